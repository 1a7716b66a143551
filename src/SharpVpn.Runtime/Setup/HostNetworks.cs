using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SharpVpn.Platform;

namespace SharpVpn.Runtime.Setup;

/// <summary>One IPv4 address on a host interface (from <c>ip -j -4 addr show</c>).</summary>
public sealed record InterfaceAddress(string Interface, IPAddress Address, int PrefixLength)
{
    public IPNetwork Network => new(Mask(Address, PrefixLength), PrefixLength);

    internal static IPAddress Mask(IPAddress address, int prefixLength)
    {
        byte[] bytes = address.GetAddressBytes();
        uint value = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        uint mask = prefixLength == 0 ? 0 : uint.MaxValue << (32 - prefixLength);
        uint masked = value & mask;
        return new IPAddress([(byte)(masked >> 24), (byte)(masked >> 16), (byte)(masked >> 8), (byte)masked]);
    }
}

/// <summary>
/// What quickstart needs to know about the host's networks: which interface is the public one
/// (carries the default route or the public address), and the networks behind the others,
/// which become the pushed routes (the tutorial's <c>push "route 192.168.1.0 255.255.255.0"</c>).
/// </summary>
public sealed class HostNetworks
{
    // Interfaces that are never "the intranet": containers, bridges for VMs, other tunnels.
    private static readonly string[] s_virtualPrefixes =
        ["lo", "docker", "br-", "virbr", "veth", "vnet", "tun", "tap", "wg", "zt", "tailscale", "lxc", "cni", "flannel", "cali", "podman", "kube"];

    private readonly CommandRunner _runner;

    private HostNetworks(CommandRunner runner, IReadOnlyList<InterfaceAddress> addresses, string? defaultInterface, IPAddress? defaultSource)
    {
        _runner = runner;
        Addresses = addresses;
        DefaultRouteInterface = defaultInterface;
        DefaultRouteSource = defaultSource;
    }

    public IReadOnlyList<InterfaceAddress> Addresses { get; }

    /// <summary>The interface of the IPv4 default route, or null when there is none.</summary>
    public string? DefaultRouteInterface { get; }

    /// <summary>The source address the host uses for the default route (a guess at the public address).</summary>
    public IPAddress? DefaultRouteSource { get; }

    /// <summary>Reads the host's (or <paramref name="runner"/>'s namespace's) IPv4 addresses and default route.</summary>
    public static HostNetworks Discover(CommandRunner? runner = null)
    {
        runner ??= CommandRunner.Host;
        var addresses = new List<InterfaceAddress>();
        using (JsonDocument doc = JsonDocument.Parse(OrEmpty(runner.RunChecked("ip", ["-j", "-4", "addr", "show"]))))
        {
            foreach (JsonElement link in doc.RootElement.EnumerateArray())
            {
                string name = link.GetProperty("ifname").GetString() ?? "";
                if (!link.TryGetProperty("addr_info", out JsonElement infos))
                {
                    continue;
                }

                foreach (JsonElement info in infos.EnumerateArray())
                {
                    if (info.TryGetProperty("local", out JsonElement local) && IPAddress.TryParse(local.GetString(), out IPAddress? ip)
                        && ip.AddressFamily == AddressFamily.InterNetwork && info.TryGetProperty("prefixlen", out JsonElement len))
                    {
                        addresses.Add(new InterfaceAddress(name, ip, len.GetInt32()));
                    }
                }
            }
        }

        string? defaultInterface = null;
        IPAddress? defaultSource = null;
        using (JsonDocument doc = JsonDocument.Parse(OrEmpty(runner.RunChecked("ip", ["-j", "-4", "route", "show", "default"]))))
        {
            foreach (JsonElement route in doc.RootElement.EnumerateArray())
            {
                if (route.TryGetProperty("dev", out JsonElement dev))
                {
                    defaultInterface = dev.GetString();
                    break;
                }
            }
        }

        if (defaultInterface is not null)
        {
            defaultSource = addresses.FirstOrDefault(a => a.Interface == defaultInterface && !IPAddress.IsLoopback(a.Address))?.Address;
        }

        return new HostNetworks(runner, addresses, defaultInterface, defaultSource);
    }

    /// <summary>
    /// The networks to push by default: those of interfaces other than the public one (the default
    /// route's, or the one holding <paramref name="publicAddress"/>), without loopback, container,
    /// VM-bridge and tunnel interfaces, and without the VPN pool itself.
    /// </summary>
    public IReadOnlyList<InterfaceAddress> PrivateNetworks(IPAddress? publicAddress, IPNetwork pool)
    {
        string? publicInterface = publicAddress is null ? null : Addresses.FirstOrDefault(a => a.Address.Equals(publicAddress))?.Interface;
        var result = new List<InterfaceAddress>();
        foreach (InterfaceAddress a in Addresses)
        {
            if (a.Interface == DefaultRouteInterface || a.Interface == publicInterface || IsVirtual(a.Interface)
                || IPAddress.IsLoopback(a.Address) || pool.Contains(a.Address) || a.PrefixLength >= 32
                || result.Any(r => r.Network.Equals(a.Network)))
            {
                continue;
            }

            result.Add(a);
        }

        return result;
    }

    /// <summary>The interface the host sends traffic for <paramref name="network"/> out of (<c>ip route get</c>), or null.</summary>
    public string? InterfaceFor(IPNetwork network)
    {
        foreach (InterfaceAddress a in Addresses)
        {
            if (network.Contains(a.Address) && !IsVirtual(a.Interface))
            {
                return a.Interface;
            }
        }

        byte[] probe = network.BaseAddress.GetAddressBytes();
        if (network.PrefixLength < 32)
        {
            probe[3] |= 1;
        }

        CommandResult result = _runner.Run("ip", ["-j", "-4", "route", "get", new IPAddress(probe).ToString()]);
        if (!result.Succeeded)
        {
            return null;
        }

        using JsonDocument doc = JsonDocument.Parse(OrEmpty(result.StandardOutput));
        foreach (JsonElement route in doc.RootElement.EnumerateArray())
        {
            if (route.TryGetProperty("dev", out JsonElement dev))
            {
                return dev.GetString();
            }
        }

        return null;
    }

    /// <summary>True for interface names that are never an intranet (veth pairs count only by the "veth" prefix, so namespaced lab links still qualify).</summary>
    public static bool IsVirtual(string name) =>
        name == "lo" || s_virtualPrefixes.Any(p => p != "lo" && name.StartsWith(p, StringComparison.Ordinal));

    private static string OrEmpty(string json) => string.IsNullOrWhiteSpace(json) ? "[]" : json;
}
