"""The scenario lab as three network namespaces, the processes started in them, and /proc readers."""

import os
import re
import signal
import subprocess

from common import (BASELINE_ADDR, BASELINE_SERVER_ADDR, CLIENT_ADDR, CLIENT_NET, INTRANET_ADDR, SERVER_INTRANET,
                    SERVER_PUBLIC, VPN_POOL, run)


class Lab:
    """The three namespaces, the processes started in them, and teardown (idempotent, by PID and namespace)."""

    def __init__(self, prefix, workdir, nice=0):
        self.prefix = prefix
        self.nice = ["nice", "-n", str(nice)] if nice else []
        self.workdir = workdir
        self.ns_cli = f"{prefix}-cli"
        self.ns_srv = f"{prefix}-srv"
        self.ns_int = f"{prefix}-int"
        self.if_cli = f"{prefix}c0"
        self.if_srv_pub = f"{prefix}s0"
        self.if_srv_int = f"{prefix}s1"
        self.if_int = f"{prefix}i1"
        self.procs = []
        self.torn_down = False

    def build(self):
        for ns in (self.ns_cli, self.ns_srv, self.ns_int):
            run(["ip", "netns", "add", ns])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(["ip", "link", "add", self.if_cli, "netns", self.ns_cli, "type", "veth",
             "peer", "name", self.if_srv_pub, "netns", self.ns_srv])
        run(["ip", "link", "add", self.if_srv_int, "netns", self.ns_srv, "type", "veth",
             "peer", "name", self.if_int, "netns", self.ns_int])
        for ns, itf, cidr in ((self.ns_cli, self.if_cli, f"{CLIENT_ADDR}/16"),
                              (self.ns_srv, self.if_srv_pub, f"{SERVER_PUBLIC}/16"),
                              (self.ns_srv, self.if_srv_int, f"{SERVER_INTRANET}/24"),
                              (self.ns_int, self.if_int, f"{INTRANET_ADDR}/24")):
            run(["ip", "-n", ns, "addr", "add", cidr, "dev", itf])
            run(["ip", "-n", ns, "link", "set", itf, "up"])
        # The no-tunnel twin of the tunnel's path (latency baseline): client -> server (forward + masquerade) ->
        # intranet host, over the same veths, to a second subnet that the VPN's pushed route does not cover.
        run(["ip", "-n", self.ns_srv, "addr", "add", f"{BASELINE_SERVER_ADDR}/24", "dev", self.if_srv_int])
        run(["ip", "-n", self.ns_int, "addr", "add", f"{BASELINE_ADDR}/24", "dev", self.if_int])
        run(["ip", "-n", self.ns_cli, "route", "add", BASELINE_ADDR.rsplit(".", 1)[0] + ".0/24", "via", SERVER_PUBLIC])
        run(["ip", "netns", "exec", self.ns_srv, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
        nft = os.path.join(self.workdir, "nat.nft")
        with open(nft, "w") as f:
            f.write(f"""table ip {self.prefix}nat {{
    chain postrouting {{
        type nat hook postrouting priority srcnat; policy accept;
        ip saddr {VPN_POOL} oifname "{self.if_srv_int}" masquerade
        ip saddr {CLIENT_NET} oifname "{self.if_srv_int}" masquerade
    }}
}}
""")
        run(["ip", "netns", "exec", self.ns_srv, "nft", "-f", nft])

    def start(self, ns, cmd, logfile, cwd=None):
        """Starts a long-running process in a namespace (ip netns exec execs it, so the PID is the program's)."""
        out = open(logfile, "ab")
        p = subprocess.Popen(["ip", "netns", "exec", ns, *self.nice, *cmd], stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, cwd=cwd or self.workdir, start_new_session=True)
        out.close()
        self.procs.append(p)
        return p

    def stop(self, p, grace=5.0):
        """SIGTERM, then SIGKILL after grace seconds; by PID (its own process group)."""
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        if p in self.procs:
            self.procs.remove(p)

    def exec_(self, ns, cmd, timeout, check=False):
        return run(["ip", "netns", "exec", ns, *self.nice, *cmd], timeout=timeout, check=check)

    def teardown(self):
        if self.torn_down:
            return
        self.torn_down = True
        for p in list(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for p in list(self.procs):
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        existing = subprocess.run(["ip", "netns", "list"], stdout=subprocess.PIPE, text=True).stdout
        for ns in (self.ns_cli, self.ns_srv, self.ns_int):
            if re.search(rf"^{re.escape(ns)}(\s|$)", existing, re.M):
                # Anything still inside (e.g. a child our PIDs did not cover) goes first, by PID.
                pids = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE, text=True).stdout.split()
                for pid in pids:
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except (ProcessLookupError, ValueError):
                        pass
                subprocess.run(["ip", "netns", "del", ns])


# ---------------------------------------------------------------------------------------------------------------
# /proc readers


def cpu_ticks(pid):
    """utime + stime of the whole process (all threads), in clock ticks; None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5), counted after "pid (comm)"


def thread_ticks(pid):
    """utime + stime per thread name (threads of one name summed, e.g. the .NET thread pool), in clock ticks."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                data = f.read()
        except OSError:
            continue  # the thread ended between listdir and open
        name = data[data.index("(") + 1:data.rindex(")")]
        fields = data[data.rindex(")") + 2:].split()
        out[name] = out.get(name, 0) + int(fields[11]) + int(fields[12])
    return out


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def parse_snmp(text):
    """/proc/net/snmp (and netstat) as {"Udp": {"InDatagrams": n, ...}, ...}: each group is a header line then values."""
    out = {}
    lines = [ln.split() for ln in text.splitlines() if ln.strip()]
    for head, values in zip(lines[::2], lines[1::2]):
        group = head[0].rstrip(":")
        if values[0].rstrip(":") != group or len(head) != len(values):
            raise ValueError(f"unexpected /proc/net/snmp layout near '{head[0]}'")
        out[group] = {k: int(v) for k, v in zip(head[1:], values[1:])}
    return out


def snmp_counters(ns):
    """The IP/UDP/TCP counters of a network namespace (/proc/net/snmp as seen from inside it)."""
    r = run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"], timeout=10, check=False)
    return parse_snmp(r.stdout) if r.returncode == 0 else {}


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]
