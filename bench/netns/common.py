"""Shared pieces of the whole-tunnel harness: the lab's addresses, the pairs, small helpers."""

import os
import statistics
import subprocess
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CLIENT_ADDR = "172.16.0.8"
SERVER_PUBLIC = "172.16.1.254"
SERVER_INTRANET = "192.168.1.254"
INTRANET_ADDR = "192.168.1.1"
# The no-tunnel path for latency: a second subnet on the same intranet veth pair, routed by the server namespace
# (forwarding + masquerade, as tunnel traffic gets), so "tunnel minus this" is what the VPN adds.
BASELINE_SERVER_ADDR = "192.168.2.254"
BASELINE_ADDR = "192.168.2.1"
RR_PORT = 5300  # latprobe.py's UDP echo server in the intranet namespace
VPN_POOL = "10.0.1.0/24"
CLIENT_NET = "172.16.0.0/16"
EASYRSA = "/usr/share/easy-rsa/easyrsa"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# (key, server implementation, client implementation, label)
PAIRS = [
    ("ovpn-ovpn", "openvpn", "openvpn", "openvpn server + openvpn client (reference)"),
    ("ours-ovpn", "sharpvpn", "openvpn", "SharpVPN server + openvpn client"),
    ("ovpn-ours", "openvpn", "sharpvpn", "openvpn server + SharpVPN client"),
    ("ours-ours", "sharpvpn", "sharpvpn", "SharpVPN server + SharpVPN client"),
]
BASELINE = "direct"


class PairFailure(Exception):
    """A pair could not be measured in this round; the message is one short reason for the table."""


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def median(xs):
    return statistics.median(xs) if xs else None


def percentile(xs, p):
    if not xs:
        return None
    s = sorted(xs)
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def run(cmd, timeout=60, check=True, **kw):
    """Runs a command to completion (never longer than timeout); returns CompletedProcess with text output."""
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(f"timed out after {timeout}s: {' '.join(cmd)}") from e
    if check and r.returncode != 0:
        raise RuntimeError(f"exit {r.returncode}: {' '.join(cmd)}: {(r.stderr or r.stdout).strip()[-400:]}")
    return r
