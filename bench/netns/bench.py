#!/usr/bin/env python3
"""Whole-tunnel benchmark: SharpVPN against OpenVPN 2.6, side by side, in the tutorial's three-host lab.

Builds three network namespaces (client 172.16.0.8/16; server 172.16.1.254/16 + 192.168.1.254/24 with forwarding
and masquerade of the VPN pool onto the intranet; intranet host 192.168.1.1/24 without a default route), makes an
EC PKI with easy-rsa, builds `sharpvpn` (Release) once, then for every transport x cipher runs the four pairs
(openvpn/openvpn reference, our server/openvpn client, openvpn server/our client, ours/ours) round-robin:
handshake time, ping RTT, iperf3 TCP throughput both ways with CPU seconds per process, server RSS with 1 and 50
clients. Writes bench/results/latest.{md,json} and throughput.png. Everything it starts is stopped, and its
namespaces deleted, on exit, error or interrupt.

Run through bench/netns/run.sh (root); `--help` lists the options. Python 3.11 standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pngchart  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CLIENT_ADDR = "172.16.0.8"
SERVER_PUBLIC = "172.16.1.254"
SERVER_INTRANET = "192.168.1.254"
INTRANET_ADDR = "192.168.1.1"
VPN_POOL = "10.0.1.0/24"
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
        run(["ip", "netns", "exec", self.ns_srv, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
        nft = os.path.join(self.workdir, "nat.nft")
        with open(nft, "w") as f:
            f.write(f"""table ip {self.prefix}nat {{
    chain postrouting {{
        type nat hook postrouting priority srcnat; policy accept;
        ip saddr {VPN_POOL} oifname "{self.if_srv_int}" masquerade
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


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


# ---------------------------------------------------------------------------------------------------------------
# PKI, build, configs


def make_pki(workdir):
    pki = os.path.join(workdir, "pki")
    env = dict(os.environ, EASYRSA_BATCH="1", EASYRSA_ALGO="ec", EASYRSA_CURVE="prime256v1", EASYRSA_PKI=pki,
               EASYRSA_REQ_CN="SharpVPN bench CA")
    run([EASYRSA, "init-pki"], env=env, cwd=workdir, timeout=60)
    run([EASYRSA, "build-ca", "nopass"], env=env, cwd=workdir, timeout=120)
    env.pop("EASYRSA_REQ_CN")
    run([EASYRSA, "build-server-full", "server", "nopass"], env=env, cwd=workdir, timeout=120)
    run([EASYRSA, "build-client-full", "client", "nopass"], env=env, cwd=workdir, timeout=120)
    ta = os.path.join(pki, "tc.key")
    run(["openvpn", "--genkey", "secret", ta], timeout=30)
    return {
        "ca": os.path.join(pki, "ca.crt"),
        "server_cert": os.path.join(pki, "issued", "server.crt"),
        "server_key": os.path.join(pki, "private", "server.key"),
        "client_cert": os.path.join(pki, "issued", "client.crt"),
        "client_key": os.path.join(pki, "private", "client.key"),
        "tc": ta,
    }


def build_sharpvpn(args, workdir):
    """Publishes src/SharpVpn.Cli (Release) once; returns the path of sharpvpn.dll."""
    if args.sharpvpn_dll:
        if not os.path.isfile(args.sharpvpn_dll):
            raise RuntimeError(f"--sharpvpn-dll {args.sharpvpn_dll} does not exist")
        return os.path.abspath(args.sharpvpn_dll)
    out = os.path.join(workdir, "sharpvpn")
    if args.working_tree:
        src = REPO
    else:
        # Build the committed HEAD, not a tree other people may be editing, so "our commit" is what ran.
        src = os.path.join(workdir, "src-snapshot")
        os.makedirs(src)
        archive = subprocess.Popen(["git", "-C", REPO, "archive", "HEAD"], stdout=subprocess.PIPE)
        run(["tar", "-x", "-C", src], stdin=archive.stdout, timeout=120)
        archive.wait(timeout=60)
    cmd = ["dotnet", "publish", os.path.join(src, "src", "SharpVpn.Cli"), "-c", "Release", "-o", out,
           "--artifacts-path", args.artifacts_path or os.path.join(workdir, "artifacts"), "-nologo", "-v", "q",
           "--disable-build-servers"]  # leave no MSBuild/compiler server processes behind
    log("building sharpvpn: " + " ".join(cmd))
    r = run(cmd, timeout=args.build_timeout, check=False, env=dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1",
                                                                   DOTNET_NOLOGO="1"))
    dll = os.path.join(out, "sharpvpn.dll")
    if r.returncode != 0 or not os.path.isfile(dll):
        errors = [ln.strip() for ln in (r.stdout + r.stderr).splitlines() if "error" in ln.lower()]
        raise RuntimeError("dotnet publish failed: " + (errors[0] if errors else f"exit {r.returncode}")[:300])
    return dll


def server_conf(pki, proto, cipher, logfile):
    return f"""port 1194
proto {proto}
dev tun
ca {pki['ca']}
cert {pki['server_cert']}
key {pki['server_key']}
dh none
topology subnet
server 10.0.1.0 255.255.255.0
push "route 192.168.1.0 255.255.255.0"
keepalive 10 120
tls-crypt {pki['tc']}
cipher {cipher}
data-ciphers {cipher}
duplicate-cn
max-clients 200
log {logfile}
verb 3
"""


def client_conf(pki, proto, cipher, logfile, dev="tun"):
    # dev null: no tun per extra client; openvpn then must not try to configure the (absent) device.
    extra = "pull-filter ignore \"route \"\nifconfig-noexec\nroute-noexec\n" if dev == "null" else ""
    return f"""client
dev {dev}
proto {proto}
remote {SERVER_PUBLIC} 1194
nobind
connect-retry 1
ca {pki['ca']}
cert {pki['client_cert']}
key {pki['client_key']}
remote-cert-tls server
tls-crypt {pki['tc']}
cipher {cipher}
data-ciphers {cipher}
{extra}log {logfile}
verb 3
"""


# ---------------------------------------------------------------------------------------------------------------
# The measurement


class Bench:
    def __init__(self, args, lab, pki, dll, dll_error):
        self.args = args
        self.lab = lab
        self.pki = pki
        self.dll = dll
        self.dll_error = dll_error
        self.seq = 0
        self.loads = []

    def path(self, name):
        self.seq += 1
        return os.path.join(self.lab.workdir, f"{self.seq:04d}-{name}")

    def impl_cmd(self, impl, role, conf):
        if impl == "openvpn":
            return ["openvpn", "--config", conf]
        if self.dll is None:
            raise PairFailure(f"sharpvpn not built ({self.dll_error})")
        return ["dotnet", self.dll, role, "--config", conf]

    def wait_log(self, proc, logfile, needle, timeout, what, first_line=None):
        """
        Polls logfile for needle; returns seconds waited. Fails if the process exits or timeout passes.
        first_line (a dict) gets "s": seconds until the log first had a line (process start-up, before any packet).
        """
        t0 = time.monotonic()
        while True:
            try:
                with open(logfile, "rb") as f:
                    data = f.read()
                if first_line is not None and "s" not in first_line and b"\n" in data:
                    first_line["s"] = time.monotonic() - t0
                if needle.encode() in data:
                    return time.monotonic() - t0
            except FileNotFoundError:
                pass
            if proc.poll() is not None:
                raise PairFailure(f"{what} exited with code {proc.returncode}: {self.last_line(logfile)}")
            if time.monotonic() - t0 > timeout:
                raise PairFailure(f"{what} not ready after {timeout:.0f} s: {self.last_line(logfile)}")
            time.sleep(0.005)

    @staticmethod
    def last_line(logfile):
        try:
            with open(logfile, "rb") as f:
                lines = [ln for ln in f.read().decode(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return "no log"
        interesting = [ln for ln in lines if re.search(r"error|fatal|exiting|failed|unhandled|exception", ln, re.I)]
        text = (interesting or lines or ["empty log"])[-1]
        text = re.sub(r"^\S+ \S+ ", "", text) if re.match(r"^\d{4}-\d\d-\d\d ", text) else text
        return text.strip()[:160]

    def start_server(self, impl, proto, cipher):
        logfile = self.path(f"server-{impl}.log")
        conf = logfile[:-4] + ".conf"
        with open(conf, "w") as f:
            f.write(server_conf(self.pki, proto, cipher, logfile))
        proc = self.lab.start(self.lab.ns_srv, self.impl_cmd(impl, "server", conf), logfile + ".out")
        try:
            self.wait_log(proc, logfile, "Initialization Sequence Completed", self.args.start_timeout,
                          f"{impl} server")
        except PairFailure as e:
            out = self.last_line(logfile + ".out") if os.path.exists(logfile + ".out") else ""
            self.lab.stop(proc)
            raise PairFailure(str(e) + (f" / {out}" if out and out not in str(e) else "")) from None
        return proc

    def start_client(self, impl, proto, cipher, dev="tun", timeout=None):
        logfile = self.path(f"client-{impl}-{dev}.log")
        conf = logfile[:-4] + ".conf"
        with open(conf, "w") as f:
            f.write(client_conf(self.pki, proto, cipher, logfile, dev))
        t0 = time.monotonic()
        proc = self.lab.start(self.lab.ns_cli, self.impl_cmd(impl, "client", conf), logfile + ".out")
        return proc, logfile, t0

    def connect_client(self, impl, proto, cipher):
        proc, logfile, t0 = self.start_client(impl, proto, cipher)
        first = {}
        try:
            self.wait_log(proc, logfile, "Initialization Sequence Completed", self.args.start_timeout,
                          f"{impl} client", first_line=first)
        except PairFailure:
            self.lab.stop(proc)
            raise
        handshake_ms = (time.monotonic() - t0) * 1000.0
        return proc, handshake_ms, first.get("s", 0.0) * 1000.0

    def ping(self, target, count, interval):
        deadline = int(count * max(interval, 0.002) + 10)
        r = self.lab.exec_(self.lab.ns_cli, ["ping", "-n", "-c", str(count), "-i", str(interval), "-W", "1",
                                             "-w", str(deadline), target], timeout=deadline + 10)
        times = [float(m) for m in re.findall(r"time=([\d.]+) ms", r.stdout)]
        return times, count - len(times)

    def iperf(self, server_ns, target, reverse, procs):
        """One iperf3 run (one-off server); returns Mbit/s, retransmits and CPU seconds of procs over the run."""
        port = "5201"
        slog = self.path("iperf-server.log")
        server = self.lab.start(server_ns, ["iperf3", "-s", "-1", "--forceflush", "-B", target, "-p", port], slog)
        try:
            self.wait_log(server, slog, "Server listening", 15, "iperf3 server")
            before = {name: cpu_ticks(p.pid) for name, p in procs.items()}
            before_threads = {name: thread_ticks(p.pid) for name, p in procs.items()}
            t0 = time.monotonic()
            cmd = ["iperf3", "-c", target, "-p", port, "-t", str(self.args.time), "-J", "--connect-timeout", "5000"]
            if reverse:
                cmd.append("-R")
            try:
                r = self.lab.exec_(self.lab.ns_cli, cmd, timeout=self.args.time + 30)
            except RuntimeError as e:
                raise PairFailure(f"iperf3 {e}") from None
            wall = time.monotonic() - t0
            after = {name: cpu_ticks(p.pid) for name, p in procs.items()}
            after_threads = {name: thread_ticks(p.pid) for name, p in procs.items()}
            try:
                doc = json.loads(r.stdout)
            except json.JSONDecodeError:
                raise PairFailure(f"iperf3 exit {r.returncode}: {(r.stderr or r.stdout).strip()[-120:]}") from None
            if "error" in doc and not doc.get("end", {}).get("sum_received"):
                raise PairFailure(f"iperf3: {doc['error']}")
            end = doc["end"]
            received = end["sum_received"]
            cpu = {}
            threads = {}
            for name in procs:
                if before[name] is None or after[name] is None:
                    raise PairFailure(f"{name} process exited during iperf3")
                cpu[name] = (after[name] - before[name]) / CLK_TCK
                threads[name] = {t: (v - before_threads[name].get(t, 0)) / CLK_TCK
                                 for t, v in after_threads[name].items() if v - before_threads[name].get(t, 0) > 0}
            return {
                "mbps": received["bits_per_second"] / 1e6,
                "bytes": received["bytes"],
                "retransmits": end.get("sum_sent", {}).get("retransmits"),
                "wall_s": wall,
                "cpu_s": cpu,
                "thread_cpu_s": threads,
            }
        finally:
            self.lab.stop(server, grace=2)

    def measure_pair(self, pair, proto, cipher, with_memory):
        """One round of one pair: start, handshake, ping, iperf both ways, memory; always stops what it started."""
        key, srv_impl, cli_impl, _ = pair
        res = {"load1": loadavg()[0]}
        started = []
        try:
            server = self.start_server(srv_impl, proto, cipher)
            started.append(server)
            client, hs, first_line_ms = self.connect_client(cli_impl, proto, cipher)
            started.append(client)
            res["handshake_ms"] = hs
            res["client_first_log_ms"] = first_line_ms
            # The tunnel must carry traffic before anything is timed.
            times, lost = self.ping(INTRANET_ADDR, 3, 0.2)
            if not times:
                raise PairFailure("no ping reply from 192.168.1.1 through the tunnel")
            times, lost = self.ping(INTRANET_ADDR, self.args.pings, 0.01)
            res["ping_ms"] = times
            res["ping_lost"] = lost
            procs = {"server": server, "client": client}
            res["up"] = self.iperf(self.lab.ns_int, INTRANET_ADDR, False, procs)
            res["down"] = self.iperf(self.lab.ns_int, INTRANET_ADDR, True, procs)
            res["server_rss_kb_1"] = rss_kb(server.pid)
            res["client_rss_kb"] = rss_kb(client.pid)
            # Second connection to the same, now warm, server (its TLS and handshake code already ran once).
            self.lab.stop(client)
            started.remove(client)
            client, hs, _ = self.connect_client(cli_impl, proto, cipher)
            started.append(client)
            res["handshake_warm_ms"] = hs
            if with_memory and self.args.clients > 1:
                res.update(self.memory_with_clients(server, proto, cipher, started))
            return res
        finally:
            for p in reversed(started):
                self.lab.stop(p)

    def memory_with_clients(self, server, proto, cipher, started):
        """Adds clients-1 real openvpn clients with `dev null` (no tun each), then reads the server's VmRSS."""
        extra = self.args.clients - 1
        rss1 = rss_kb(server.pid)
        pending = []
        t0 = time.monotonic()
        for i in range(extra):
            proc, logfile, _ = self.start_client("openvpn", proto, cipher, dev="null")
            started.append(proc)
            pending.append((proc, logfile))
            if i % 10 == 9:
                time.sleep(0.3)  # a burst of 50 at once trips connection-rate limits; this keeps it realistic
        connected = 0
        deadline = time.monotonic() + self.args.start_timeout + extra * 0.5
        for proc, logfile in pending:
            try:
                self.wait_log(proc, logfile, "Initialization Sequence Completed",
                              max(1.0, deadline - time.monotonic()), "extra client")
                connected += 1
            except PairFailure:
                pass
        time.sleep(1.0)
        times, _ = self.ping(INTRANET_ADDR, 5, 0.05)
        rss_n = rss_kb(server.pid)
        out = {"server_rss_kb_1_before_extra": rss1, "extra_clients_connected": connected,
               "extra_clients_wanted": extra, "extra_connect_s": time.monotonic() - t0,
               "server_rss_kb_n": rss_n, "ping_after_extra_ok": bool(times)}
        if rss1 and rss_n and connected:
            out["server_kb_per_client"] = (rss_n - rss1) / connected
        return out

    def measure_baseline(self):
        res = {"load1": loadavg()[0]}
        times, lost = self.ping(SERVER_PUBLIC, self.args.pings, 0.01)
        res["ping_ms"] = times
        res["ping_lost"] = lost
        res["up"] = self.iperf(self.lab.ns_srv, SERVER_PUBLIC, False, {})
        res["down"] = self.iperf(self.lab.ns_srv, SERVER_PUBLIC, True, {})
        return res


# ---------------------------------------------------------------------------------------------------------------
# Summaries and output


def summarize(runs):
    ok = [r for r in runs if "error" not in r]
    errors = [r["error"] for r in runs if "error" in r]
    s = {"runs_ok": len(ok), "runs_failed": len(errors)}
    if errors:
        s["errors"] = errors
    if not ok:
        return s
    for d in ("up", "down"):
        xs = [r[d] for r in ok if d in r]
        if xs:
            s[f"{d}_mbps"] = median([x["mbps"] for x in xs])
            s[f"{d}_mbps_runs"] = [round(x["mbps"], 1) for x in xs]
            s[f"{d}_retransmits"] = median([x["retransmits"] for x in xs if x["retransmits"] is not None])
            for who in ("server", "client"):
                cs = [x["cpu_s"][who] for x in xs if who in x["cpu_s"]]
                if cs:
                    s[f"{d}_{who}_cpu_s"] = median(cs)
                    s[f"{d}_{who}_cpu_pct"] = median([100.0 * x["cpu_s"][who] / x["wall_s"] for x in xs if who in x["cpu_s"]])
                    s[f"{d}_{who}_cpu_s_per_gb"] = median(
                        [x["cpu_s"][who] / (x["bytes"] / 1e9) for x in xs if who in x["cpu_s"] and x["bytes"]])
                    names = {t for x in xs for t in x.get("thread_cpu_s", {}).get(who, {})}
                    per_thread = {}
                    for t in names:
                        per_thread[t] = median([x.get("thread_cpu_s", {}).get(who, {}).get(t, 0.0) / (x["bytes"] / 1e9)
                                                for x in xs if x["bytes"]])
                    if per_thread:
                        s[f"{d}_{who}_thread_cpu_s_per_gb"] = dict(sorted(per_thread.items(), key=lambda kv: -kv[1]))
    pings = [t for r in ok for t in r.get("ping_ms", [])]
    if pings:
        s["ping_avg_ms"] = statistics.fmean(pings)
        s["ping_p50_ms"] = percentile(pings, 50)
        s["ping_p99_ms"] = percentile(pings, 99)
        s["ping_count"] = len(pings)
        s["ping_lost"] = sum(r.get("ping_lost", 0) for r in ok)
    hs = [r["handshake_ms"] for r in ok if "handshake_ms" in r]
    if hs:
        s["handshake_ms"] = median(hs)
        s["handshake_ms_runs"] = [round(x) for x in hs]
        s["handshake_warm_ms"] = median([r["handshake_warm_ms"] for r in ok if "handshake_warm_ms" in r])
        s["client_first_log_ms"] = median([r["client_first_log_ms"] for r in ok if "client_first_log_ms" in r])
    rss1 = [r["server_rss_kb_1"] for r in ok if r.get("server_rss_kb_1")]
    if rss1:
        s["server_rss_kb_1"] = median(rss1)
    crss = [r["client_rss_kb"] for r in ok if r.get("client_rss_kb")]
    if crss:
        s["client_rss_kb"] = median(crss)
    mem = [r for r in ok if "server_rss_kb_n" in r]
    if mem:
        m = mem[-1]
        s["server_rss_kb_n"] = m["server_rss_kb_n"]
        s["clients_n"] = m["extra_clients_connected"] + 1
        s["clients_wanted"] = m["extra_clients_wanted"] + 1
        if "server_kb_per_client" in m:
            s["server_kb_per_client"] = m["server_kb_per_client"]
    s["load1_median"] = median([r["load1"] for r in ok])
    return s


def fmt(v, spec="{:.0f}"):
    return "–" if v is None else spec.format(v)


def ratio(v, ref):
    return f" (×{v / ref:.2f})" if v is not None and ref else ""


def write_markdown(path, meta, combos, results):
    L = []
    L.append("# SharpVPN vs OpenVPN 2.6: whole-tunnel benchmark")
    L.append("")
    L.append(f"- Date: {meta['date']} · profile `{meta['profile']}` · {meta['runs']} runs × {meta['time_s']} s "
             f"per direction, pairs alternated round-robin, medians shown, lab processes at nice {meta.get('nice', 0)}")
    L.append(f"- Machine: {meta['cpu_model']}, {meta['cores']} cores, kernel {meta['kernel']}, "
             f"load average {meta['load_start'][0]:.1f} at start / {meta['load_end'][0]:.1f} at end "
             f"(median during runs {fmt(meta.get('load_median'), '{:.1f}')})")
    L.append(f"- Software: {meta['openvpn_version']}; {meta['iperf3_version']}; .NET {meta['dotnet_version']}; "
             f"SharpVPN commit `{meta['git_commit']}`{' (working tree)' if meta['working_tree'] else ''}")
    L.append(f"- Command: `{meta['command']}`")
    L.append("")
    base = results.get(BASELINE)
    if base:
        bs = base["summary"]
        if "up_mbps" in bs:
            L.append(f"Baseline without a tunnel (client → server public address): "
                     f"{fmt(bs.get('up_mbps'))} Mbit/s up, {fmt(bs.get('down_mbps'))} Mbit/s down, "
                     f"ping avg {fmt(bs.get('ping_avg_ms'), '{:.3f}')} ms / p99 {fmt(bs.get('ping_p99_ms'), '{:.3f}')} ms.")
        else:
            L.append(f"Baseline without a tunnel: failed: {'; '.join(bs.get('errors', ['?']))[:200]}")
        L.append("")
    L.append("Up = client → intranet host (`iperf3 -c 192.168.1.1`), down = intranet → client (`-R`); "
             "TCP throughput in Mbit/s with the ratio to the openvpn pair. CPU = CPU seconds "
             "(utime+stime, all threads) of the server / client process per GB carried. Handshake = client process "
             "start → `Initialization Sequence Completed`, first connection to a freshly started server (in brackets: "
             "a second client process connecting to the same, warm, server). Memory = server VmRSS with 1 client, with N clients, and "
             "the growth per added client.")
    L.append("")
    for proto, cipher in combos:
        ck = f"{proto}/{cipher}"
        L.append(f"## {proto.upper()} · {cipher}")
        L.append("")
        L.append("| pair | up Mbit/s | down Mbit/s | CPU s/GB up (srv / cli) | CPU s/GB down (srv / cli) | "
                 "handshake ms (warm server) | ping avg / p50 / p99 ms | server RSS 1 → N clients | kB/client |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        ref = results.get(ck, {}).get("ovpn-ovpn", {}).get("summary", {})
        for key, _, _, label in PAIRS:
            entry = results.get(ck, {}).get(key)
            if entry is None:
                continue
            s = entry["summary"]
            if s.get("runs_ok", 0) == 0:
                reason = "; ".join(dict.fromkeys(s.get("errors", ["not run"])))[:220]
                L.append(f"| {label} | failed: {reason.replace('|', '/')} | | | | | | | |")
                continue
            note = f" ({s['runs_failed']} of {s['runs_ok'] + s['runs_failed']} runs failed)" if s.get("runs_failed") else ""
            mem = "–"
            if s.get("server_rss_kb_1"):
                mem = f"{s['server_rss_kb_1'] / 1024:.1f} MB"
                if s.get("server_rss_kb_n"):
                    mem += f" → {s['server_rss_kb_n'] / 1024:.1f} MB ({s['clients_n']} of {s['clients_wanted']})"
            L.append(
                f"| {label}{note} "
                f"| {fmt(s.get('up_mbps'))}{ratio(s.get('up_mbps'), ref.get('up_mbps')) if key != 'ovpn-ovpn' else ''} "
                f"| {fmt(s.get('down_mbps'))}{ratio(s.get('down_mbps'), ref.get('down_mbps')) if key != 'ovpn-ovpn' else ''} "
                f"| {fmt(s.get('up_server_cpu_s_per_gb'), '{:.1f}')} / {fmt(s.get('up_client_cpu_s_per_gb'), '{:.1f}')} "
                f"| {fmt(s.get('down_server_cpu_s_per_gb'), '{:.1f}')} / {fmt(s.get('down_client_cpu_s_per_gb'), '{:.1f}')} "
                f"| {fmt(s.get('handshake_ms'))} ({fmt(s.get('handshake_warm_ms'))}) "
                f"| {fmt(s.get('ping_avg_ms'), '{:.3f}')} / {fmt(s.get('ping_p50_ms'), '{:.3f}')} / {fmt(s.get('ping_p99_ms'), '{:.3f}')} "
                f"| {mem} | {fmt(s.get('server_kb_per_client'))} |")
        L.append("")
    L.extend(targets_section(combos, results))
    L.append("CPU use during the iperf3 runs (median % of one core, all threads of the process; 100 % = one core "
             "busy for the whole run) and client memory:")
    L.append("")
    L.append("| transport · cipher | pair | up: server / client CPU % | down: server / client CPU % | "
             "client RSS | iperf3 retransmits up / down |")
    L.append("|---|---|---|---|---|---|")
    for proto, cipher in combos:
        ck = f"{proto}/{cipher}"
        for key, _, _, label in PAIRS:
            s = results.get(ck, {}).get(key, {}).get("summary")
            if not s or not s.get("runs_ok"):
                continue
            L.append(f"| {proto} · {cipher} | {key} "
                     f"| {fmt(s.get('up_server_cpu_pct'))} / {fmt(s.get('up_client_cpu_pct'))} "
                     f"| {fmt(s.get('down_server_cpu_pct'))} / {fmt(s.get('down_client_cpu_pct'))} "
                     f"| {fmt((s.get('client_rss_kb') or 0) / 1024, '{:.1f}')} MB "
                     f"| {fmt(s.get('up_retransmits'))} / {fmt(s.get('down_retransmits'))} |")
    L.append("")
    L.append("Where the CPU goes: CPU seconds per GB by thread (threads of one name summed; the busiest first; "
             "`dotnet` threads are named by the runtime or by our code):")
    L.append("")
    L.append("| transport · cipher | pair | process | up: threads (s/GB) | down: threads (s/GB) |")
    L.append("|---|---|---|---|---|")
    for proto, cipher in combos:
        ck = f"{proto}/{cipher}"
        for key, srv_impl, cli_impl, _ in PAIRS:
            s = results.get(ck, {}).get(key, {}).get("summary")
            if not s or not s.get("runs_ok"):
                continue
            for who, impl in (("server", srv_impl), ("client", cli_impl)):
                cells = []
                for d in ("up", "down"):
                    th = s.get(f"{d}_{who}_thread_cpu_s_per_gb", {})
                    top = [f"{t} {v:.1f}" for t, v in list(th.items())[:5] if v >= 0.05]
                    cells.append(", ".join(top) or "–")
                L.append(f"| {proto} · {cipher} | {key} | {who} ({impl}) | {cells[0]} | {cells[1]} |")
    L.append("")
    L.append("Per-run throughput (Mbit/s, in run order) and failures:")
    L.append("")
    for proto, cipher in combos:
        ck = f"{proto}/{cipher}"
        for key, _, _, label in PAIRS:
            entry = results.get(ck, {}).get(key)
            if entry is None:
                continue
            s = entry["summary"]
            parts = [f"up {s.get('up_mbps_runs', [])}", f"down {s.get('down_mbps_runs', [])}",
                     f"handshake ms {s.get('handshake_ms_runs', [])} (first client log line after "
                     f"{fmt(s.get('client_first_log_ms'))} ms)"]
            if s.get("errors"):
                parts.append("failures: " + "; ".join(s["errors"])[:300])
            L.append(f"- {ck} {key}: " + ", ".join(parts))
    L.append("")
    L.append("![throughput](throughput.png)")
    L.append("")
    with open(path, "w") as f:
        f.write("\n".join(L))
    return "\n".join(L)


def targets_section(combos, results):
    """Issue 7's targets, checked on the UDP + AES-256-GCM figures of this run."""
    ck = "udp/AES-256-GCM"
    if ("udp", "AES-256-GCM") not in combos:
        return []
    get = lambda key: results.get(ck, {}).get(key, {}).get("summary", {})  # noqa: E731
    ref, ours, srv, cli = get("ovpn-ovpn"), get("ours-ours"), get("ours-ovpn"), get("ovpn-ours")
    if not ref.get("up_mbps"):
        return ["Targets: not checked (the openvpn reference pair has no figures).", ""]

    def verdict(ok):
        return "n/a" if ok is None else ("**met**" if ok else "**not met**")

    def cmp(s, metric, factor, better="higher"):
        v, r = s.get(metric), ref.get(metric)
        if v is None or r is None:
            return None, "–"
        ok = v >= factor * r if better == "higher" else v <= factor * r
        return ok, f"{v:.{3 if 'ping' in metric else 0}f} vs {r:.{3 if 'ping' in metric else 0}f}"

    rows = []
    for label, s, factor in (("1. ours/ours ≥ 2× openvpn pair", ours, 2.0),
                             ("2a. our server + openvpn client ≥ openvpn pair", srv, 1.0),
                             ("2b. openvpn server + our client ≥ openvpn pair", cli, 1.0)):
        ok_up, t_up = cmp(s, "up_mbps", factor)
        ok_dn, t_dn = cmp(s, "down_mbps", factor)
        ok = None if ok_up is None or ok_dn is None else ok_up and ok_dn
        rows.append(f"| {label} | up {t_up}, down {t_dn} Mbit/s | {verdict(ok)} |")
    ok_p, t_p = cmp(ours, "ping_avg_ms", 1.0, "lower")
    ok_p50, t_p50 = cmp(ours, "ping_p50_ms", 1.0, "lower")
    rows.append(f"| 3a. ours/ours ping ≤ openvpn pair | avg {t_p}, p50 {t_p50} ms | "
                f"{verdict(None if ok_p is None else ok_p and ok_p50)} |")
    ok_h, t_h = cmp(ours, "handshake_ms", 1.0, "lower")
    rows.append(f"| 3b. ours/ours handshake ≤ openvpn pair | {t_h} ms | {verdict(ok_h)} |")
    v, r = srv.get("server_kb_per_client"), ref.get("server_kb_per_client")
    ok_m = None if v is None or r is None else v <= r
    t_m = "–" if ok_m is None else f"{v:.0f} vs {r:.0f}"
    rows.append(f"| 4. server memory per added client ≤ openvpn's | {t_m} kB | {verdict(ok_m)} |")
    return ["Targets of issue 7 on UDP · AES-256-GCM (this run, medians):", "",
            "| target | ours vs openvpn pair | verdict |", "|---|---|---|", *rows, ""]


def write_chart(path, meta, combos, results):
    short = {"ovpn-ovpn": "S:OVPN\nC:OVPN", "ours-ovpn": "S:OURS\nC:OVPN", "ovpn-ours": "S:OVPN\nC:OURS",
             "ours-ours": "S:OURS\nC:OURS"}
    panels = []
    for proto, cipher in combos:
        ck = f"{proto}/{cipher}"
        cats = []
        for key, _, _, _ in PAIRS:
            s = results.get(ck, {}).get(key, {}).get("summary", {})
            cats.append((short[key], [s.get("up_mbps"), s.get("down_mbps")]))
        panels.append((f"{proto} {cipher}", cats))
    sub = (f"{meta['date']}  {meta['cpu_model']}, {meta['cores']} cores, kernel {meta['kernel']}, load "
           f"{meta['load_start'][0]:.0f}-{meta['load_end'][0]:.0f}, commit {meta['git_commit']}")
    base = results.get(BASELINE, {}).get("summary", {})
    if base.get("up_mbps"):
        sub += f"  - no tunnel: {base['up_mbps']:.0f}/{base['down_mbps']:.0f} up/down"
    sub += "  (x = failed)"
    pngchart.grouped_bar_chart(
        path, "TCP throughput through the tunnel (iperf3, median Mbit/s)", sub, panels,
        [("up: client->intranet", (52, 101, 164)), ("down: intranet->client", (245, 121, 0))])


def update_readme(readme, md_text, meta):
    """Replaces the text between the bench markers in README.md's Performance section."""
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    with open(readme) as f:
        text = f.read()
    if begin not in text or end not in text:
        log(f"README has no {begin} / {end} markers; not updated")
        return
    body = md_text.split("\n", 2)[2]  # drop the file's own title
    body = body.replace("![throughput](throughput.png)", "![throughput](bench/results/throughput.png)")
    body = re.sub(r"^## ", "#### ", body, flags=re.M)
    new = text[:text.index(begin) + len(begin)] + "\n" + body.strip() + "\n" + text[text.index(end):]
    with open(readme, "w") as f:
        f.write(new)


def tool_version(cmd):
    try:
        return run(cmd, timeout=20, check=False).stdout.strip().splitlines()[0]
    except (RuntimeError, IndexError, OSError):
        return "unknown"


def machine_meta(args):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], check=False).stdout.strip() or "unknown"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "kernel": platform.release(),
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "openvpn_version": " ".join(tool_version(["openvpn", "--version"]).split()[:2]),
        "iperf3_version": " ".join(tool_version(["iperf3", "--version"]).split()[:2]),
        "dotnet_version": tool_version(["dotnet", "--version"]),
        "git_commit": commit,
        "working_tree": bool(args.working_tree),
        "profile": "quick" if args.quick else ("full" if len(sys.argv) <= 3 else "custom"),
        "runs": args.runs,
        "time_s": args.time,
        "load_start": loadavg(),
        "nice": args.nice,
        "command": "sudo bench/netns/run.sh " + " ".join(a for a in sys.argv[1:] if not a.startswith("--prefix")
                                                         and not a.startswith("svb")),
    }


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="UDP + AES-256-GCM only, 3 runs of 5 s")
    p.add_argument("--protos", default="udp,tcp", help="transports, comma separated (default udp,tcp)")
    p.add_argument("--ciphers", default="AES-256-GCM,CHACHA20-POLY1305", help="data ciphers, comma separated")
    p.add_argument("--pairs", default=",".join(k for k, *_ in PAIRS),
                   help="pairs to run (default all): " + ", ".join(k for k, *_ in PAIRS))
    p.add_argument("--runs", type=int, default=5, help="rounds per transport x cipher (default 5)")
    p.add_argument("--time", type=int, default=10, help="seconds per iperf3 run (default 10)")
    p.add_argument("--pings", type=int, default=200, help="pings at 10 ms per round (default 200)")
    p.add_argument("--clients", type=int, default=50, help="clients for the server memory figure (default 50, 0 = skip)")
    p.add_argument("--no-baseline", action="store_true", help="skip the no-tunnel baseline")
    p.add_argument("--nice", type=int, default=-10,
                   help="niceness of everything the lab runs (default -10: on a shared, loaded machine the tunnel "
                        "processes then get the CPU they ask for instead of a share decided by other work; 0 = off)")
    p.add_argument("--start-timeout", type=float, default=45, help="seconds to wait for a server/client to be up")
    p.add_argument("--max-failures", type=int, default=2, help="after this many failed rounds a pair is skipped")
    p.add_argument("--sharpvpn-dll", help="use this sharpvpn.dll instead of building")
    p.add_argument("--working-tree", action="store_true", help="build the working tree instead of git HEAD")
    p.add_argument("--artifacts-path", help="dotnet --artifacts-path for the build (default: inside the work dir)")
    p.add_argument("--build-timeout", type=int, default=900)
    p.add_argument("--out", default=os.path.join(REPO, "bench", "results"), help="results directory")
    p.add_argument("--update-readme", action="store_true", help="put the table and chart into README.md")
    p.add_argument("--keep-workdir", action="store_true", help="keep configs and logs (printed path)")
    p.add_argument("--render", metavar="JSON", help="only re-render latest.md/throughput.png (and README) from a latest.json")
    p.add_argument("--prefix", default=f"svb{os.getpid()}", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.quick:
        a.protos, a.ciphers, a.runs, a.time = "udp", "AES-256-GCM", 3, 5
    return a


def render_only(args):
    with open(args.render) as f:
        doc = json.load(f)
    meta, results = doc["meta"], doc["results"]
    combos = [tuple(c.split("/", 1)) for c in doc["combos"]]
    for ck in doc["combos"]:
        for key in results.get(ck, {}):
            results[ck][key]["summary"] = summarize(results[ck][key]["runs"])
    if BASELINE in results:
        results[BASELINE]["summary"] = summarize(results[BASELINE]["runs"])
    os.makedirs(args.out, exist_ok=True)
    md = write_markdown(os.path.join(args.out, "latest.md"), meta, combos, results)
    write_chart(os.path.join(args.out, "throughput.png"), meta, combos, results)
    if args.update_readme:
        update_readme(os.path.join(REPO, "README.md"), md, meta)
    print(md)


def main():
    args = parse_args()
    if args.render:
        render_only(args)
        return
    if os.geteuid() != 0:
        sys.exit("bench: must run as root (network namespaces, tun): sudo bench/netns/run.sh")
    for tool in ("ip", "nft", "openvpn", "iperf3", "ping", "dotnet", "git"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: '{tool}' is missing (apt-get install -y openvpn easy-rsa iperf3 nftables iproute2 iputils-ping)")
    if not os.path.exists(EASYRSA):
        sys.exit(f"bench: {EASYRSA} is missing (apt-get install -y easy-rsa)")
    if not os.path.exists("/dev/net/tun"):
        sys.exit("bench: /dev/net/tun is missing")
    combos = [(pr.strip(), c.strip()) for pr in args.protos.split(",") for c in args.ciphers.split(",")]
    pairs = [pp for pp in PAIRS if pp[0] in args.pairs.split(",")]

    workdir = tempfile.mkdtemp(prefix=f"sharpvpn-bench-{args.prefix}-")
    lab = Lab(args.prefix, workdir, args.nice)

    def on_signal(signum, _frame):
        raise SystemExit(f"bench: interrupted by signal {signum}")

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    try:
        meta = machine_meta(args)
        log(f"work dir {workdir}; namespaces {args.prefix}-cli/-srv/-int")
        dll, dll_error = None, None
        if any("sharpvpn" in (pp[1], pp[2]) for pp in pairs):
            try:
                dll = build_sharpvpn(args, workdir)
                log(f"sharpvpn: {dll}")
            except RuntimeError as e:
                dll_error = str(e)
                log(f"sharpvpn build failed, its pairs will be recorded as failed: {e}")
        lab.build()
        pki = make_pki(workdir)
        bench = Bench(args, lab, pki, dll, dll_error)

        results = {}
        loads = []
        if not args.no_baseline:
            runs = []
            for i in range(min(args.runs, 3)):
                try:
                    runs.append(bench.measure_baseline())
                except PairFailure as e:
                    runs.append({"error": str(e)})
                log(f"baseline run {i + 1}: " + (f"up {runs[-1]['up']['mbps']:.0f} down {runs[-1]['down']['mbps']:.0f} Mbit/s"
                                                  if "error" not in runs[-1] else runs[-1]["error"]))
            results[BASELINE] = {"runs": runs, "summary": summarize(runs)}

        for proto, cipher in combos:
            ck = f"{proto}/{cipher}"
            results[ck] = {key: {"runs": []} for key, *_ in pairs}
            for rnd in range(args.runs):
                order = pairs[rnd % len(pairs):] + pairs[:rnd % len(pairs)]  # rotate so no pair always goes first
                for pair in order:
                    key = pair[0]
                    entry = results[ck][key]
                    failures = sum(1 for r in entry["runs"] if "error" in r)
                    if failures >= args.max_failures:
                        continue
                    try:
                        r = bench.measure_pair(pair, proto, cipher, with_memory=(rnd == args.runs - 1))
                        loads.append(r["load1"])
                        log(f"{ck} round {rnd + 1} {key}: handshake {r['handshake_ms']:.0f} ms, "
                            f"up {r['up']['mbps']:.0f} Mbit/s (cpu srv {r['up']['cpu_s']['server']:.1f} s, "
                            f"cli {r['up']['cpu_s']['client']:.1f} s), down {r['down']['mbps']:.0f} Mbit/s, "
                            f"ping p50 {percentile(r['ping_ms'], 50):.3f} ms"
                            + (f", server RSS {r['server_rss_kb_1']} kB → {r['server_rss_kb_n']} kB with "
                               f"{r['extra_clients_connected'] + 1} clients" if "server_rss_kb_n" in r else ""))
                    except PairFailure as e:
                        r = {"error": str(e), "load1": loadavg()[0]}
                        log(f"{ck} round {rnd + 1} {key}: FAILED: {e}")
                    entry["runs"].append(r)
            for key in results[ck]:
                results[ck][key]["summary"] = summarize(results[ck][key]["runs"])

        meta["load_end"] = loadavg()
        meta["load_median"] = median(loads)
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "latest.json"), "w") as f:
            json.dump({"meta": meta, "combos": [f"{p}/{c}" for p, c in combos], "results": results}, f, indent=1)
        md = write_markdown(os.path.join(args.out, "latest.md"), meta, combos, results)
        write_chart(os.path.join(args.out, "throughput.png"), meta, combos, results)
        if args.update_readme:
            update_readme(os.path.join(REPO, "README.md"), md, meta)
        print(md)
        log(f"wrote {args.out}/latest.md, latest.json, throughput.png")
    finally:
        lab.teardown()
        if args.keep_workdir:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
