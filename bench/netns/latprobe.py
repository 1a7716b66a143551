#!/usr/bin/env python3
"""Latency probes for the harness. Each measures the path through the tunnel and the same path without it in one
process, alternating between the two, so a slow phase of a shared machine hits both alike and "tunnel minus
no-tunnel" is what the VPN adds.

  latprobe.py server PORT                         UDP echo (runs in the intranet namespace for the whole run)
  latprobe.py ping TUNNEL BASE COUNT INTERVAL     ICMP echo, COUNT to each address, alternating, one every
                                                  INTERVAL seconds (needs root: raw socket)
  latprobe.py rr TUNNEL BASE PORT SECONDS         UDP request/response back to back (like netperf UDP_RR), to the two
                                                  addresses in turn, SECONDS in all

Output: one JSON line. ping: {"ping_ms": [...], "base_ping_ms": [...], "ping_lost": n, "base_ping_lost": n} with
round trips as ping(8) measures them (send time taken just before sendto, receive time from the kernel's
SO_TIMESTAMPNS), at microsecond resolution. rr: {"rr": {...}, "base_rr": {...}} each with n, lost and the round trip
in microseconds (avg, p50, p90, p99, min); Python's own cost per exchange is in both alike.
"""
import json
import os
import select
import socket
import statistics
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import percentile  # noqa: E402

SO_TIMESTAMPNS = 35  # asm-generic/socket.h; the cmsg type SCM_TIMESTAMPNS has the same value
PING_DATA = bytes(range(56))  # ping(8)'s default 56 data bytes: 84-byte IP packets
RR_PAYLOAD = 64  # bytes after the 8-byte sequence number: a small request, as an RPC or a DNS query
WARMUP = 2  # echoes per path sent first and not counted: the first one of a new ICMP flow sets up conntrack/NAT


def server(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(data, peer)


def icmp_checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def ping(tunnel, base, count, interval):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    ident = os.getpid() & 0xFFFF
    out = {"ping_ms": [], "base_ping_ms": [], "ping_lost": 0, "base_ping_lost": 0, "warmup_ping_ms": [],
           "warmup_ping_lost": 0}
    start = time.monotonic()
    for i in range(2 * (count + WARMUP)):
        prefix = ("" if i % 2 == 0 else "base_") if i >= 2 * WARMUP else "warmup_"
        target = tunnel if i % 2 == 0 else base
        seq = i & 0xFFFF
        delay = start + i * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        packet = struct.pack("!BBHHH", 8, 0, icmp_checksum(header + PING_DATA), ident, seq) + PING_DATA
        sent = time.time_ns()
        s.sendto(packet, (target, 0))
        deadline = time.monotonic() + 1.0
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                out[prefix + "ping_lost"] += 1
                break
            data, ancillary, _, peer = s.recvmsg(2048, socket.CMSG_SPACE(16))
            ihl = (data[0] & 0x0F) * 4
            if len(data) < ihl + 8 or peer[0] != target:
                continue
            kind, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if kind != 0 or rid != ident or rseq != seq:
                continue  # another ICMP message, or a late reply to an earlier echo
            received = time.time_ns()
            for level, ctype, cdata in ancillary:
                if level == socket.SOL_SOCKET and ctype == SO_TIMESTAMPNS and len(cdata) >= 16:
                    sec, nsec = struct.unpack("qq", cdata[:16])
                    received = sec * 1_000_000_000 + nsec
            out[prefix + "ping_ms"].append(round((received - sent) / 1e6, 3))
            break
    del out["warmup_ping_ms"], out["warmup_ping_lost"]
    print(json.dumps(out))


def rr(tunnel, base, port, seconds):
    socks = []
    for host in (tunnel, base):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((host, port))
        # A blocking socket with a receive timeout: one recv system call per reply (settimeout would poll first).
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 200_000))
        socks.append(s)
    pad = b"\0" * RR_PAYLOAD
    samples = ([], [])
    lost = [0, 0]
    seq = 0
    clock = time.perf_counter_ns
    end = clock() + int(seconds * 1e9)
    while clock() < end:
        # Alternate exchange by exchange: where the scheduler puts this process and the echo server (same CPU or
        # not: 16 or 50 µs on this VM even without a tunnel) changes now and then, and both paths must see the same.
        which = seq % 2
        s = socks[which]
        seq += 1
        tag = seq.to_bytes(8, "big")
        t0 = clock()
        s.send(tag + pad)
        while True:
            try:
                r = s.recv(2048)
            except (BlockingIOError, TimeoutError, InterruptedError, ConnectionRefusedError):
                lost[which] += 1  # refused: an ICMP error from an earlier request (echo server not up yet)
                break
            if r[:8] == tag:
                samples[which].append((clock() - t0) / 1000.0)
                break
            # else: a late reply to an earlier, timed-out request; keep waiting for ours
    out = {}
    for which, name in ((0, "rr"), (1, "base_rr")):
        xs = samples[which]
        d = {"n": len(xs), "lost": lost[which]}
        if xs:
            d.update(avg_us=round(statistics.fmean(xs), 1), p50_us=round(percentile(xs, 50), 1),
                     p90_us=round(percentile(xs, 90), 1), p99_us=round(percentile(xs, 99), 1),
                     min_us=round(min(xs), 1))
        out[name] = d
    print(json.dumps(out))


def main():
    argv = sys.argv[1:]
    if len(argv) == 2 and argv[0] == "server":
        server(int(argv[1]))
    elif len(argv) == 5 and argv[0] == "ping":
        ping(argv[1], argv[2], int(argv[3]), float(argv[4]))
    elif len(argv) == 5 and argv[0] == "rr":
        rr(argv[1], argv[2], int(argv[3]), float(argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
