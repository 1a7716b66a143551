using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SharpVpn.Config;
using SharpVpn.Protocol.Wire;
using SharpVpn.Runtime.Shared;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// <c>port-share</c> (OpenVPN ps.c): a TCP connection whose first bytes cannot be an OpenVPN client's hard reset is
/// relayed, bytes untouched, to the configured server (typically the HTTPS server the VPN shares port 443 with). One
/// thread per direction; the relay lives as long as both ends keep it open and counts as one of the server's TCP
/// connections, so their number stays bounded.
/// </summary>
internal static class PortShareRelay
{
    private const int CopyBufferBytes = 16384;

    /// <summary>
    /// ps.c is_openvpn_protocol: the 2-byte length and opcode of a client's first packet. A hard reset is 14..255 bytes
    /// long; a tls-crypt-v2 one (V3) carries the wrapped client key, 336..1278. With fewer bytes, what is there decides.
    /// </summary>
    public static bool LooksLikeOpenVpn(ReadOnlySpan<byte> first)
    {
        if (first.Length < 2)
        {
            return true;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(first);
        if (first.Length == 2)
        {
            return length is >= 14 and <= 255;
        }

        return (first[2] >> 3) switch
        {
            (int)Opcode.ControlHardResetClientV3 => length is >= 336 and < 1024 + 255,
            (int)Opcode.ControlHardResetClientV2 => length is >= 14 and <= 255,
            _ => false,
        };
    }

    /// <summary>Relays <paramref name="client"/> to the port-share server until both directions end; returns then.</summary>
    public static void Run(Socket client, PortShareSettings target, TimeSpan connectTimeout, Action<string> log)
    {
        IPEndPoint from = (IPEndPoint)client.RemoteEndPoint!;
        using Socket? server = Connect(target, connectTimeout, log, from);
        if (server is null)
        {
            return;
        }

        string? journal = WriteJournal(target.JournalDirectory, server, from, log);
        try
        {
            client.ReceiveTimeout = 0;
            var upstream = new Thread(() => Copy(client, server)) { IsBackground = true, Name = "PortShareRelay" };
            upstream.Start();
            Copy(server, client);
            upstream.Join();
        }
        finally
        {
            if (journal is not null)
            {
                File.Delete(journal);
            }
        }
    }

    private static Socket? Connect(PortShareSettings target, TimeSpan timeout, Action<string> log, IPEndPoint from)
    {
        string where = $"{target.Host}:{target.Port.ToString(CultureInfo.InvariantCulture)}";
        Socket? server = null;
        try
        {
            IPAddress address = IPAddress.TryParse(target.Host, out IPAddress? literal) ? literal : Dns.GetHostAddresses(target.Host)[0];
            server = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            if (!server.ConnectAsync(new IPEndPoint(address, target.Port)).Wait(timeout))
            {
                throw new SocketException((int)SocketError.TimedOut);
            }

            return server;
        }
        catch (Exception ex) when (ex is SocketException or AggregateException or ArgumentException)
        {
            string why = ex is AggregateException { InnerException: { } inner } ? inner.Message : ex.Message;
            log($"PORT SHARE: cannot connect {OpenVpnAddress.Format(from)} to {where}: {why}");
            server?.Dispose();
            return null;
        }
    }

    /// <summary>Copies until <paramref name="from"/> ends, then ends the other side's sending half.</summary>
    private static void Copy(Socket from, Socket to)
    {
        byte[] buffer = new byte[CopyBufferBytes];
        try
        {
            int n;
            while ((n = from.Receive(buffer)) > 0)
            {
                to.Send(buffer.AsSpan(0, n));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Either end went away: the relay ends.
        }
        finally
        {
            try
            {
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>
    /// ps.c journal_add: a file named after our end of the relay ("[AF_INET]ADDR:PORT", as the port-share server sees
    /// its peer) that holds the real client's address in the same form, so that server can log who it serves. Removed
    /// when the relay ends.
    /// </summary>
    private static string? WriteJournal(string? directory, Socket server, IPEndPoint from, Action<string> log)
    {
        if (directory is null)
        {
            return null;
        }

        var local = (IPEndPoint)server.LocalEndPoint!;
        string path = Path.Combine(directory, OpenVpnAddress.Format(local));
        try
        {
            File.WriteAllText(path, OpenVpnAddress.Format(from));
            return path;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log($"PORT SHARE: unable to write journal file {path}: {ex.Message}");
            return null;
        }
    }
}
