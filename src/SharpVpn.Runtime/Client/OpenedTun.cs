using SharpVpn.Platform.Tun;

namespace SharpVpn.Runtime.Client;

/// <summary>The client's TUN device as opened (offload preferred), with why offload is off (null when it is on).</summary>
internal sealed record OpenedTun(TunDevice Device, string? OffloadError) : IDisposable
{
    public static OpenedTun Open(string? name)
    {
        TunDevice device = TunDevice.OpenPreferOffload(name, out string? offloadError);
        return new OpenedTun(device, offloadError);
    }

    public void Dispose() => Device.Dispose();
}
