using System.Net;
using System.Runtime.InteropServices;
using SharpVpn.Platform.Interop;

namespace SharpVpn.Platform.Transport;

/// <summary>
/// UDP GRO receive (UDP_GRO, Linux 5.0+): the kernel may hand over many datagrams of one flow as one
/// coalesced buffer plus a cmsg giving the segment size. recvmmsg fills a few 64 KiB buffers, and
/// the datagrams are then copied out one by one into the caller's buffers, so every receive method
/// keeps its one-datagram-per-buffer meaning. Once GRO is on, every receive goes through here
/// (a plain recvfrom would see coalesced data). One receiving thread, as for the other receive calls.
/// </summary>
public sealed unsafe partial class UdpTransport
{
    private const int GroMessages = 8;
    private const int GroBufferSize = 65536;
    private const int GroNameSize = 28; // sockaddr_in6
    private static readonly int GroControlSpace = (sizeof(nuint) + 8 + sizeof(int) + 7) & ~7; // CMSG_SPACE(sizeof(int))

    private GroState? _groState;
    private bool _groPending; // UseGro asked for, not switched on yet: see GroSwitchOnBatch

    /// <summary>
    /// UDP_GRO is switched on by the receiving thread once one batch receive brings this many datagrams, not when the
    /// socket is made: GRO only pays under bulk traffic, and switching it on makes the kernel enable its UDP
    /// encapsulation path, a patch of kernel code with IPIs to every CPU (~0.5 ms on a virtual machine, again
    /// when the socket closes), which a client's handshake would otherwise wait for (issue 7). Datagrams queued
    /// before are plain; single receives (set-up, tests) never switch it on.
    /// </summary>
    public const int GroSwitchOnBatch = 8;

    /// <summary>True once the socket receives with UDP GRO (see <see cref="GroSwitchOnBatch"/>).</summary>
    public bool GroEnabled => _groState is not null;

    private void EnableGro()
    {
        int one = 1;
        if (LibC.SetSockOpt(Fd, LibC.SOL_UDP, LibC.UDP_GRO, &one, sizeof(int)) == 0)
        {
            _groState = new GroState();
        }
    }

    /// <summary>Copies the next datagram into <paramref name="destination"/>; blocks only if <paramref name="block"/>. -1 = closed, -2 = nothing queued.</summary>
    private int GroNext(Span<byte> destination, SocketAddress? from, bool block)
    {
        GroState g = _groState!;
        while (g.Current >= g.Count)
        {
            if (!block && g.LastFillSingle)
            {
                // Sparse traffic: the last recvmmsg found one plain datagram and fewer messages than it had room
                // for, so the queue was empty then and a non-blocking retry now would almost always be EAGAIN (one
                // system call more per packet). Under load (several messages or coalesced ones) the retry often
                // finds more, and larger batches merge better on the TUN side: it stays.
                return -2;
            }
            int n = GroFill(g, block);
            if (n <= 0)
            {
                return n;
            }
        }
        int length = g.Lengths[g.Current];
        int segment = g.SegmentSizes[g.Current];
        int take = Math.Min(segment, length - g.Offset);
        int copy = Math.Min(take, destination.Length);
        g.Buffers[g.Current].AsSpan(g.Offset, copy).CopyTo(destination);
        if (from is not null)
        {
            int nameLength = Math.Min(g.NameLengths[g.Current], from.Buffer.Length);
            g.Names.AsSpan(g.Current * GroNameSize, nameLength).CopyTo(from.Buffer.Span);
            from.Size = nameLength;
        }
        g.Offset += take;
        if (g.Offset >= length)
        {
            g.Current++;
            g.Offset = 0;
        }
        return copy;
    }

    /// <summary>recvmmsg into the GRO buffers. Returns messages received, -1 when closed, -2 when non-blocking found none.</summary>
    private int GroFill(GroState g, bool block)
    {
        while (true)
        {
            for (int i = 0; i < GroMessages; i++)
            {
                g.Iov[i] = new LibC.IoVec { Base = g.BufferPointers[i], Length = GroBufferSize };
                ref LibC.MsgHdr h = ref g.Msgs[i].Hdr;
                h = default;
                h.Iov = &g.Iov[i];
                h.IovLen = 1;
                h.Name = g.NamesPointer + (i * GroNameSize);
                h.NameLen = GroNameSize;
                h.Control = g.ControlPointer + (i * GroControlSpace);
                h.ControlLen = (nuint)GroControlSpace;
            }
            int n = LibC.RecvMMsg(Fd, g.Msgs, GroMessages, block ? LibC.MSG_WAITFORONE : LibC.MSG_DONTWAIT, null);
            if (_disposed)
            {
                return -1;
            }
            g.LastFillSingle = false;
            if (n > 0)
            {
                g.Count = 0;
                g.Current = 0;
                g.Offset = 0;
                for (int i = 0; i < n; i++)
                {
                    int length = (int)g.Msgs[i].Len;
                    if (length == 0)
                    {
                        continue; // an empty datagram carries no OpenVPN packet
                    }
                    // Move the message's data into slot Count (slots only ever move down, so nothing is overwritten).
                    if (g.Count != i)
                    {
                        (g.Buffers[g.Count], g.Buffers[i]) = (g.Buffers[i], g.Buffers[g.Count]);
                        byte* pointer = g.BufferPointers[g.Count];
                        g.BufferPointers[g.Count] = g.BufferPointers[i];
                        g.BufferPointers[i] = pointer;
                        g.Names.AsSpan(i * GroNameSize, GroNameSize).CopyTo(g.Names.AsSpan(g.Count * GroNameSize));
                    }
                    g.Lengths[g.Count] = length;
                    g.NameLengths[g.Count] = (int)g.Msgs[i].Hdr.NameLen;
                    g.SegmentSizes[g.Count] = ReadGroSegmentSize(ref g.Msgs[i].Hdr, length);
                    g.Count++;
                }
                if (g.Count > 0)
                {
                    g.LastFillSingle = g.Count == 1 && n < GroMessages && g.Lengths[0] <= g.SegmentSizes[0];
                    return g.Count;
                }
                continue;
            }
            if (n == 0)
            {
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EAGAIN && !block)
            {
                return -2;
            }
            if (!HandleReceiveError(errno))
            {
                return -1;
            }
        }
    }

    /// <summary>The UDP_GRO cmsg's segment size, or the whole length when the kernel did not coalesce.</summary>
    private static int ReadGroSegmentSize(ref LibC.MsgHdr h, int length)
    {
        byte* c = (byte*)h.Control;
        nuint remaining = h.ControlLen;
        nuint header = (nuint)(sizeof(nuint) + 8);
        while (c != null && remaining >= header)
        {
            nuint cmsgLen = *(nuint*)c;
            if (cmsgLen < header || cmsgLen > remaining)
            {
                break;
            }
            int level = *(int*)(c + sizeof(nuint));
            int type = *(int*)(c + sizeof(nuint) + 4);
            if (level == LibC.SOL_UDP && type == LibC.UDP_GRO && cmsgLen >= header + sizeof(int))
            {
                int size = *(int*)(c + header);
                return size > 0 ? size : length;
            }
            nuint step = (cmsgLen + 7) & ~(nuint)7;
            if (step >= remaining)
            {
                break;
            }
            c += step;
            remaining -= step;
        }
        return length;
    }

    private int GroReceiveBatch(ReadOnlySpan<byte[]> buffers, Span<int> sizes, SocketAddress[]? from, int offset, int count)
    {
        int produced = 0;
        while (produced < count)
        {
            int n = GroNext(buffers[produced].AsSpan(offset), from?[produced], block: produced == 0);
            if (n == -1)
            {
                return produced == 0 ? -1 : produced;
            }
            if (n == -2)
            {
                break;
            }
            sizes[produced++] = n;
        }
        return produced;
    }

    /// <summary>Pinned receive state for GRO; owned by the receiving thread.</summary>
    private sealed class GroState
    {
        public readonly byte[][] Buffers = new byte[GroMessages][];
        public readonly byte*[] BufferPointers = new byte*[GroMessages];
        public readonly byte[] Names = GC.AllocateArray<byte>(GroMessages * GroNameSize, pinned: true);
        public readonly byte* NamesPointer;
        public readonly byte* ControlPointer;
        public readonly LibC.MMsgHdr* Msgs;
        public readonly LibC.IoVec* Iov;
        public readonly int[] Lengths = new int[GroMessages];
        public readonly int[] SegmentSizes = new int[GroMessages];
        public readonly int[] NameLengths = new int[GroMessages];
        public int Count;
        public int Current;
        public int Offset;
        public bool LastFillSingle;
        private readonly byte[] _control = GC.AllocateArray<byte>(GroMessages * GroControlSpace, pinned: true);
        private readonly LibC.MMsgHdr[] _msgs = GC.AllocateArray<LibC.MMsgHdr>(GroMessages, pinned: true);
        private readonly LibC.IoVec[] _iov = GC.AllocateArray<LibC.IoVec>(GroMessages, pinned: true);

        public GroState()
        {
            for (int i = 0; i < GroMessages; i++)
            {
                // Not zeroed: the kernel writes what is read, and 512 kB of untouched pages cost nothing until then.
                Buffers[i] = GC.AllocateUninitializedArray<byte>(GroBufferSize, pinned: true);
                BufferPointers[i] = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(Buffers[i], 0);
            }
            NamesPointer = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(Names, 0);
            ControlPointer = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_control, 0);
            Msgs = (LibC.MMsgHdr*)Marshal.UnsafeAddrOfPinnedArrayElement(_msgs, 0);
            Iov = (LibC.IoVec*)Marshal.UnsafeAddrOfPinnedArrayElement(_iov, 0);
        }
    }
}
