using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SharpVpn.Config;
using SharpVpn.DataChannel;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.Tests.Session;

namespace SharpVpn.Protocol.Tests.Interop;

/// <summary>A tiny single-threaded UDP loop driving one <see cref="TunnelSession"/> (what the client runtime does, minus TUN).</summary>
internal sealed class UdpSessionDriver : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly byte[] _buffer = new byte[65536];
    private readonly byte[] _plain = new byte[65536];

    public UdpSessionDriver(IPEndPoint remote)
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.Connect(remote);
    }

    public long Now => _clock.ElapsedMilliseconds;

    public TunnelSession? Session { get; set; }

    public List<SessionEvent> Events { get; } = new();

    /// <summary>The client's timers: none configured (as its session options), then the push's, read as the runtime does.</summary>
    public KeepaliveSettings Timers { get; private set; } = new();

    public int PingsReceived { get; private set; }

    public int OtherDataReceived { get; private set; }

    public int DecryptFailures { get; private set; }

    public List<DataDecryptResult> Failures { get; } = new();

    public bool RunUntil(Func<bool> condition, TimeSpan timeout)
    {
        long end = Now + (long)timeout.TotalMilliseconds;
        TunnelSession s = Session!;
        while (!condition())
        {
            if (Now > end)
            {
                return false;
            }
            Pump(s);
            long wait = Math.Clamp(s.NextDeadlineMs - Now, 0, 50);
            if (_socket.Poll((int)(wait * 1000), SelectMode.SelectRead))
            {
                int n = _socket.Receive(_buffer);
                Handle(s, _buffer.AsSpan(0, n));
            }
            s.PollTimers(Now);
        }
        Pump(s);
        return true;
    }

    public void SendPing()
    {
        TunnelSession s = Session!;
        DataChannelKey key = s.CurrentEncryptKey ?? throw new InvalidOperationException("not connected");
        int n = key.Encrypt(DataChannelMessages.PingMagic, _buffer, s.DataPeerId);
        _socket.Send(_buffer.AsSpan(0, n));
        s.NotifyDataSent(Now);
    }

    private void Pump(TunnelSession s)
    {
        while (s.TryDequeueOutgoing(_buffer, out int n))
        {
            _socket.Send(_buffer.AsSpan(0, n));
        }
        while (s.TryDequeueEvent(out SessionEvent? e))
        {
            Events.Add(e);
            if (e.Kind == SessionEventKind.PingDue)
            {
                SendPing();
            }
            else if (e.Kind == SessionEventKind.Connected)
            {
                Timers = PulledKeepalive.Apply(s, Timers, e.PushedOptions ?? s.PushedOptions);
            }
        }
    }

    private void Handle(TunnelSession s, ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > 0 && DataPacketHeader.IsData(datagram[0]))
        {
            DataChannelKey? key = s.FindDecryptKey(datagram[0] & 7);
            if (key is null)
            {
                DecryptFailures++;
                Failures.Add(DataDecryptResult.WrongKeyId);
                return;
            }
            DataDecryptResult r = key.Decrypt(datagram, _plain, Now, out int len);
            if (r != DataDecryptResult.Ok)
            {
                DecryptFailures++;
                Failures.Add(r);
                return;
            }
            s.NotifyDataReceived(Now);
            if (DataChannelMessages.IsPing(_plain.AsSpan(0, len)))
            {
                PingsReceived++;
            }
            else
            {
                OtherDataReceived++;
            }
            return;
        }
        s.ProcessControl(datagram, Now);
    }

    public void Dispose() => _socket.Dispose();
}
