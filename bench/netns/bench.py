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
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository
LATPROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "latprobe.py")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (  # noqa: E402
    BASELINE, BASELINE_ADDR, CLK_TCK, EASYRSA, INTRANET_ADDR, PAIRS, REPO, RR_PORT, SERVER_PUBLIC, PairFailure, log,
    median, percentile, run)
from lab import Lab, cpu_ticks, loadavg, rss_kb, snmp_counters, thread_ticks  # noqa: E402
from logwatch import LogWatch  # noqa: E402
from report import summarize, update_readme, write_chart, write_markdown  # noqa: E402


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
    """
    Publishes src/SharpVpn.Cli and src/SharpVpn.ClientCli (Release) once, into one directory. Returns the path of
    sharpvpn.dll (run as `dotnet sharpvpn.dll`), or with --aot the Native AOT executable `sharpvpn` (what `dotnet
    publish -r linux-x64` ships; needs gcc/clang); sharpvpn-client(.dll) lies next to it (client_cmd uses it).
    """
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
    for project, name in (("SharpVpn.Cli", "sharpvpn"), ("SharpVpn.ClientCli", "sharpvpn-client")):
        cmd = ["dotnet", "publish", os.path.join(src, "src", project), "-c", "Release", "-o", out,
               "--artifacts-path", args.artifacts_path or os.path.join(workdir, "artifacts"), "-nologo", "-v", "q",
               "--disable-build-servers"]  # leave no MSBuild/compiler server processes behind
        if args.aot:
            cmd += ["-r", "linux-x64", "--self-contained", "-p:PublishAot=true"]
        log(f"building {name}: " + " ".join(cmd))
        r = run(cmd, timeout=args.build_timeout, check=False, env=dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1",
                                                                       DOTNET_NOLOGO="1"))
        built = os.path.join(out, name if args.aot else name + ".dll")
        if r.returncode != 0 or not os.path.isfile(built):
            errors = [ln.strip() for ln in (r.stdout + r.stderr).splitlines() if "error" in ln.lower()]
            raise RuntimeError(f"dotnet publish of {name} failed: " + (errors[0] if errors else f"exit {r.returncode}")[:300])
    return os.path.join(out, "sharpvpn" if args.aot else "sharpvpn.dll")


def client_executable(dll, all_in_one):
    """
    What runs our client: sharpvpn-client next to sharpvpn (the client alone, as shipped for the machines that only
    connect), or `sharpvpn client` with --all-in-one-client or when there is no sharpvpn-client next to it.
    Returns (path, the words before --config).
    """
    base, ext = os.path.splitext(dll) if dll.endswith(".dll") else (dll, "")
    alone = os.path.join(os.path.dirname(base), "sharpvpn-client" + ext)
    if not all_in_one and os.path.isfile(alone):
        return alone, []
    return dll, ["client"]


# Per iperf3 run, how many packets the tunnel's sockets handled and dropped (the namespaces' /proc/net/snmp).
NET_COUNTERS = [("Udp", "InDatagrams"), ("Udp", "OutDatagrams"), ("Udp", "RcvbufErrors"), ("Tcp", "InSegs"),
                ("Tcp", "OutSegs")]


def counter_deltas(before, after):
    """{"server": {"UdpInDatagrams": n, ...}, "client": {...}}: after - before for NET_COUNTERS, where both have them."""
    out = {}
    for side in ("server", "client"):
        b, a = before.get(side, {}), after.get(side, {})
        out[side] = {group + name: a[group][name] - b[group][name] for group, name in NET_COUNTERS
                     if name in a.get(group, {}) and name in b.get(group, {})}
    return out


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
machine-readable-output
"""


# machine-readable-output (openvpn error.c, and ours): "1795969921.197120 1 message", Unix time with microseconds.
STAMPED_LINE = re.compile(r"^(\d+\.\d{6}) [0-9a-f]+ (.*)$")


def log_stamps(text, needle):
    """
    The client's own clock from its log: (time of its first line, time of the first line containing needle), as Unix
    seconds, each None when absent. The handshake is timed from these: a watcher that notices the line is late by its
    own wake-up, which on this benchmark's VM added 10-15 ms to most handshakes of either implementation.
    """
    first = found = None
    for line in text.splitlines():
        m = STAMPED_LINE.match(line)
        if not m:
            continue
        if first is None:
            first = float(m.group(1))
        if needle in m.group(2):
            found = float(m.group(1))
            break
    return first, found


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
        path, words = (self.dll, [role]) if role == "server" else client_executable(self.dll, self.args.all_in_one_client)
        command = [path, *words, "--config", conf]  # a native (AOT) or apphost executable
        return ["dotnet", *command] if path.endswith(".dll") else command

    def wait_log(self, proc, logfile, needle, timeout, what, first_line=None):
        """
        Waits for needle in logfile; returns seconds waited. Fails if the process exits or timeout passes.
        first_line (a dict) gets "s": seconds until the log first had a line (process start-up, before any packet).
        Sleeps on inotify between looks (logwatch.py): a polling loop would take CPU from the processes measured.
        """
        t0 = time.monotonic()
        with LogWatch(logfile) as watch:
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
                left = timeout - (time.monotonic() - t0)
                if left <= 0:
                    raise PairFailure(f"{what} not ready after {timeout:.0f} s: {self.last_line(logfile)}")
                # Woken by the next write; at least every 50 ms to notice a process that died silently.
                watch.wait(min(left, 0.05))

    @staticmethod
    def last_line(logfile):
        try:
            with open(logfile, "rb") as f:
                lines = [ln for ln in f.read().decode(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return "no log"
        interesting = [ln for ln in lines if re.search(r"error|fatal|exiting|failed|unhandled|exception", ln, re.I)]
        text = (interesting or lines or ["empty log"])[-1]
        m = STAMPED_LINE.match(text)
        text = m.group(2) if m else re.sub(r"^\S+ \S+ ", "", text) if re.match(r"^\d{4}-\d\d-\d\d ", text) else text
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
        wall0 = time.time()  # the clock the client's machine-readable-output stamps are compared with
        proc = self.lab.start(self.lab.ns_cli, self.impl_cmd(impl, "client", conf), logfile + ".out")
        return proc, logfile, t0, wall0

    def connect_client(self, impl, proto, cipher):
        proc, logfile, t0, wall0 = self.start_client(impl, proto, cipher)
        first = {}
        try:
            self.wait_log(proc, logfile, "Initialization Sequence Completed", self.args.start_timeout,
                          f"{impl} client", first_line=first)
        except PairFailure as e:
            self.lab.stop(proc)
            out = self.last_line(logfile + ".out") if os.path.exists(logfile + ".out") else ""
            raise PairFailure(str(e) + (f" / {out}" if out and out not in str(e) else "")) from None
        seen_ms = (time.monotonic() - t0) * 1000.0
        with open(logfile, "rb") as f:
            first_stamp, isc_stamp = log_stamps(f.read().decode(errors="replace"), "Initialization Sequence Completed")
        if isc_stamp is None:  # a client without machine-readable-output: when the watcher saw the line
            return proc, seen_ms, first.get("s", 0.0) * 1000.0
        return proc, (isc_stamp - wall0) * 1000.0, (first_stamp - wall0) * 1000.0

    def ping(self, target, count, interval):
        deadline = int(count * max(interval, 0.002) + 10)
        r = self.lab.exec_(self.lab.ns_cli, ["ping", "-n", "-c", str(count), "-i", str(interval), "-W", "1",
                                             "-w", str(deadline), target], timeout=deadline + 10)
        times = [float(m) for m in re.findall(r"time=([\d.]+) ms", r.stdout)]
        return times, count - len(times)

    def latency(self, target):
        """
        Latency through the tunnel (to `target`) and without it (to BASELINE_ADDR: the same veths and server
        forwarding + masquerade), alternating packet by packet in one latprobe.py process, so a slow phase of the
        machine hits both: ICMP echoes `--ping-interval` apart (the path idles between them), then back-to-back UDP
        request/response exchanges (the path stays busy). Tunnel minus no-tunnel is the latency the VPN adds.
        """
        a = self.args
        out = {}
        if a.pings > 0:
            timeout = 2 * a.pings * (a.ping_interval + 0.01) + 30
            r = self.lab.exec_(self.lab.ns_cli, [sys.executable, LATPROBE, "ping", target, BASELINE_ADDR, str(a.pings),
                                                 str(a.ping_interval)], timeout=timeout)
            try:
                out.update(json.loads(r.stdout.strip().splitlines()[-1]))
            except (json.JSONDecodeError, IndexError):
                raise PairFailure(f"latprobe ping: {(r.stderr or r.stdout).strip()[-160:]}") from None
        if a.rr_time > 0:
            r = self.lab.exec_(self.lab.ns_cli, [sys.executable, LATPROBE, "rr", target, BASELINE_ADDR, str(RR_PORT),
                                                 str(a.rr_time)], timeout=a.rr_time + 30)
            try:
                doc = json.loads(r.stdout.strip().splitlines()[-1])
                out["rr"], out["base_rr"] = [doc["rr"]], [doc["base_rr"]]
            except (json.JSONDecodeError, IndexError, KeyError):
                raise PairFailure(f"latprobe rr: {(r.stderr or r.stdout).strip()[-160:]}") from None
        return out

    def iperf(self, server_ns, target, reverse, procs):
        """One iperf3 run (one-off server); returns Mbit/s, retransmits and CPU seconds of procs over the run."""
        port = "5201"
        slog = self.path("iperf-server.log")
        server = self.lab.start(server_ns, ["iperf3", "-s", "-1", "--forceflush", "-B", target, "-p", port], slog)
        try:
            self.wait_log(server, slog, "Server listening", 15, "iperf3 server")
            net_before = self.tunnel_counters() if procs else None
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
            net = counter_deltas(net_before, self.tunnel_counters()) if procs else None
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
                **({"net": net} if net else {}),
            }
        finally:
            self.lab.stop(server, grace=2)

    def tunnel_counters(self):
        """The server's and the client's namespace counters: there only the tunnel's own packets touch a local socket."""
        return {"server": snmp_counters(self.lab.ns_srv), "client": snmp_counters(self.lab.ns_cli)}

    def fresh_handshake(self, srv_impl, cli_impl, proto, cipher):
        """
        One first connection to a freshly started server: (handshake ms, ms to the client's first log line). Always
        stops what it started.
        """
        server = self.start_server(srv_impl, proto, cipher)
        try:
            client, hs, first_line_ms = self.connect_client(cli_impl, proto, cipher)
            self.lab.stop(client)
            return hs, first_line_ms
        finally:
            self.lab.stop(server)

    def interleaved_handshakes(self, round_results, proto, cipher):
        """
        `--handshakes` - 1 more first connections to a freshly started server for each pair of the round (the round's
        own is the first), taken in turns across the pairs (A B C D, B C D A, ...): a handshake is ~10-15 ms and one
        round gives a single sample, too few for a verdict on a noisy machine, and in turns every pair sees the same
        stretch of machine noise. Taken one pair after the other (30 in a row), the medians of a pair moved by up to
        5 ms from round to round (13.0 to 18.8 ms) and two runs of the same code disagreed on the verdict. Adds
        `handshake_extra_ms` and `client_first_log_extra_ms` to each pair's result of the round (`round_results`: the
        round's (pair, result) in order); a pair whose start fails is left out of the rest of the round's turns
        (`handshake_extra_error`).
        """
        active = [(pair, r) for pair, r in round_results if "error" not in r]
        for _, r in active:
            r["handshake_extra_ms"], r["client_first_log_extra_ms"] = [], []
        for turn in range(max(0, self.args.handshakes - 1)):
            shift = turn % len(active) if active else 0
            for (key, srv_impl, cli_impl, _), r in active[shift:] + active[:shift]:
                if "handshake_extra_error" in r:
                    continue
                try:
                    hs, first_line_ms = self.fresh_handshake(srv_impl, cli_impl, proto, cipher)
                except PairFailure as e:
                    r["handshake_extra_error"] = str(e)
                    log(f"{key}: fresh handshake failed: {e}")
                    continue
                r["handshake_extra_ms"].append(hs)
                r["client_first_log_extra_ms"].append(first_line_ms)

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
            res.update(self.latency(INTRANET_ADDR))
            procs = {"server": server, "client": client}
            if not self.args.no_iperf:
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
            for p in reversed(started):
                self.lab.stop(p)
            started.clear()
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
            proc, logfile, _, _ = self.start_client("openvpn", proto, cipher, dev="null")
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
        times, lost = self.ping(BASELINE_ADDR, 200, 0.01)
        res["ping_ms"] = times
        res["ping_lost"] = lost
        if not self.args.no_iperf:
            res["up"] = self.iperf(self.lab.ns_srv, SERVER_PUBLIC, False, {})
            res["down"] = self.iperf(self.lab.ns_srv, SERVER_PUBLIC, True, {})
        return res


# ---------------------------------------------------------------------------------------------------------------
# Summaries and output


def write_json(path, doc):
    """Indented JSON, except that lists of numbers (the raw ping samples) stay on one line each."""
    text = json.dumps(doc, indent=1)
    text = re.sub(r"\[\s+(-?[\d.eE+-]+(?:,\s+-?[\d.eE+-]+)*)\s+\]",
                  lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)
    with open(path, "w") as f:
        f.write(text + "\n")


def fmt_ms(v):
    return "–" if v is None else f"{v:.3f}"


def latency_note(r):
    """One round's latency for the progress log: through the tunnel, and added over the no-tunnel path."""
    p, b = percentile(r.get("ping_ms", []), 50), percentile(r.get("base_ping_ms", []), 50)
    text = f"ping p50 {p:.3f} ms" if p is not None else "no ping"
    if p is not None and b is not None:
        text += f" (+{(p - b) * 1000:.0f} µs over no tunnel)"
    rr = [x for x in r.get("rr", []) if x.get("n")]
    brr = [x for x in r.get("base_rr", []) if x.get("n")]
    if rr and brr:
        text += (f", UDP RR p50 {median([x['p50_us'] for x in rr]):.0f} µs "
                 f"(+{median([x['p50_us'] for x in rr]) - median([x['p50_us'] for x in brr]):.0f})")
    return text


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
        "sharpvpn_build": ("Native AOT (linux-x64)" if args.aot or (args.sharpvpn_dll and not args.sharpvpn_dll.endswith(".dll"))
                           else "JIT (dotnet sharpvpn.dll)"),
        "latency_baseline": BASELINE_ADDR,
        "ping_interval_s": args.ping_interval,
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
    p.add_argument("--quick", action="store_true", help="UDP + AES-256-GCM only, 3 runs of 5 s unless --runs/--time say otherwise")
    p.add_argument("--protos", default="udp,tcp", help="transports, comma separated (default udp,tcp)")
    p.add_argument("--ciphers", default="AES-256-GCM,CHACHA20-POLY1305", help="data ciphers, comma separated")
    p.add_argument("--pairs", default=",".join(k for k, *_ in PAIRS),
                   help="pairs to run (default all): " + ", ".join(k for k, *_ in PAIRS))
    p.add_argument("--runs", type=int, help="rounds per transport x cipher (default 5; 3 with --quick)")
    p.add_argument("--time", type=int, help="seconds per iperf3 run (default 10; 5 with --quick)")
    p.add_argument("--pings", type=int, default=1000,
                   help="pings per pair and round through the tunnel, and as many without it, alternating (default 1000)")
    p.add_argument("--ping-interval", type=float, default=0.0015,
                   help="seconds between two pings (tunnel, no tunnel, tunnel, ...; default 0.0015, so each path is "
                        "pinged every 3 ms)")
    p.add_argument("--rr-time", type=float, default=1.0,
                   help="seconds of back-to-back UDP request/response per pair and round, through the tunnel and "
                        "without it in turn (default 1, 0 = skip)")
    p.add_argument("--no-iperf", action="store_true", help="skip the throughput runs (latency, handshake, memory only)")
    p.add_argument("--handshakes", type=int, default=30,
                   help="first connections to a freshly started server per pair and round (default 30; the verdict "
                        "on handshake time takes the median of all of them: with 10 per round the medians of two "
                        "runs of the same code differed by up to 1 ms)")
    p.add_argument("--clients", type=int, default=50, help="clients for the server memory figure (default 50, 0 = skip)")
    p.add_argument("--no-baseline", action="store_true", help="skip the no-tunnel baseline")
    p.add_argument("--nice", type=int, default=-10,
                   help="niceness of everything the lab runs (default -10: on a shared, loaded machine the tunnel "
                        "processes then get the CPU they ask for instead of a share decided by other work; 0 = off)")
    p.add_argument("--start-timeout", type=float, default=45, help="seconds to wait for a server/client to be up")
    p.add_argument("--max-failures", type=int, default=2, help="after this many failed rounds a pair is skipped")
    p.add_argument("--sharpvpn-dll", help="use this sharpvpn.dll (or native sharpvpn executable) instead of building")
    p.add_argument("--aot", action="store_true",
                   help="publish and run the Native AOT executable (the shipped form) instead of dotnet sharpvpn.dll")
    p.add_argument("--all-in-one-client", action="store_true",
                   help="run our client as `sharpvpn client` instead of the client-only executable sharpvpn-client")
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
        a.protos, a.ciphers = "udp", "AES-256-GCM"
    a.runs = a.runs or (3 if a.quick else 5)
    a.time = a.time or (5 if a.quick else 10)
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
                client_path, client_words = client_executable(dll, args.all_in_one_client)
                meta["sharpvpn_client"] = " ".join([os.path.basename(client_path).removesuffix(".dll"), *client_words])
                log(f"sharpvpn: {dll}; our client runs as {meta['sharpvpn_client']}")
            except RuntimeError as e:
                dll_error = str(e)
                log(f"sharpvpn build failed, its pairs will be recorded as failed: {e}")
        lab.build()
        lab.start(lab.ns_int, [sys.executable, LATPROBE, "server", str(RR_PORT)], os.path.join(workdir, "latprobe.log"))
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
                last = runs[-1]
                log(f"baseline run {i + 1}: " + (last["error"] if "error" in last else
                                                  (f"up {last['up']['mbps']:.0f} down {last['down']['mbps']:.0f} Mbit/s, "
                                                   if "up" in last else "")
                                                  + f"ping p50 {fmt_ms(percentile(last['ping_ms'], 50))} ms"))
            results[BASELINE] = {"runs": runs, "summary": summarize(runs)}

        for proto, cipher in combos:
            ck = f"{proto}/{cipher}"
            results[ck] = {key: {"runs": []} for key, *_ in pairs}
            for rnd in range(args.runs):
                order = pairs[rnd % len(pairs):] + pairs[:rnd % len(pairs)]  # rotate so no pair always goes first
                round_results = []
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
                            + (f"up {r['up']['mbps']:.0f} Mbit/s (cpu srv {r['up']['cpu_s']['server']:.1f} s, "
                               f"cli {r['up']['cpu_s']['client']:.1f} s), down {r['down']['mbps']:.0f} Mbit/s, "
                               if "up" in r else "")
                            + latency_note(r)
                            + (f", server RSS {r['server_rss_kb_1']} kB → {r['server_rss_kb_n']} kB with "
                               f"{r['extra_clients_connected'] + 1} clients" if "server_rss_kb_n" in r else ""))
                    except PairFailure as e:
                        r = {"error": str(e), "load1": loadavg()[0]}
                        log(f"{ck} round {rnd + 1} {key}: FAILED: {e}")
                    entry["runs"].append(r)
                    round_results.append((pair, r))
                bench.interleaved_handshakes(round_results, proto, cipher)
                log(f"{ck} round {rnd + 1}: fresh-server handshakes " + ", ".join(
                    f"{p[0]} {median(r['handshake_extra_ms']):.1f} ms" for p, r in round_results if r.get("handshake_extra_ms")))
            for key in results[ck]:
                results[ck][key]["summary"] = summarize(results[ck][key]["runs"])

        meta["load_end"] = loadavg()
        meta["load_median"] = median(loads)
        os.makedirs(args.out, exist_ok=True)
        write_json(os.path.join(args.out, "latest.json"),
                   {"meta": meta, "combos": [f"{p}/{c}" for p, c in combos], "results": results})
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
