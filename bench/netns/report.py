"""Summaries of the raw runs, and the outputs: latest.md tables, the PNG chart, README.md's bench section."""

import re
import statistics

import pngchart
from common import BASELINE, PAIRS, log, median, percentile


STALLED_MBPS = 1.0  # below this an iperf3 run carried (almost) nothing: the tunnel stalled


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
            stalled = [x for x in xs if x["mbps"] < STALLED_MBPS]
            if stalled:
                s[f"{d}_stalled_runs"] = len(stalled)
            # CPU per GB only where the tunnel carried something: a stalled run divides by almost nothing.
            xs = [x for x in xs if x["mbps"] >= STALLED_MBPS]
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
            s.update(summarize_packets(d, xs))
    s.update(summarize_latency(ok))
    hs = [r["handshake_ms"] for r in ok if "handshake_ms" in r]
    if hs:
        every = hs + [x for r in ok for x in r.get("handshake_extra_ms", [])]
        s["handshake_ms"] = median(every)
        s["handshake_samples"] = len(every)
        s["handshake_ms_runs"] = [round(x) for x in hs]
        s["handshake_warm_ms"] = median([r["handshake_warm_ms"] for r in ok if "handshake_warm_ms" in r])
        s["client_first_log_ms"] = median([r["client_first_log_ms"] for r in ok if "client_first_log_ms" in r])
        # Where a fresh-server handshake's time goes: process start -> the client's first log line (its banner, written
        # once the config is read) and from there -> Initialization Sequence Completed; medians over the handshakes
        # that have both figures (older JSON files recorded the first line for each round's first handshake only).
        pairs = [(r["handshake_ms"], r["client_first_log_ms"]) for r in ok if r.get("client_first_log_ms")]
        pairs += [(h, f) for r in ok
                  for h, f in zip(r.get("handshake_extra_ms", []), r.get("client_first_log_extra_ms", [])) if f]
        if pairs:
            s["startup_ms"] = median([f for _, f in pairs])
            s["after_startup_ms"] = median([h - f for h, f in pairs])
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


def tunnel_packets(side):
    """(received, sent, receive-buffer drops) of the tunnel's socket on one side: UDP, or TCP for proto tcp."""
    if side.get("UdpInDatagrams", 0) >= side.get("TcpInSegs", 0):
        return side.get("UdpInDatagrams", 0), side.get("UdpOutDatagrams", 0), side.get("UdpRcvbufErrors", 0)
    return side.get("TcpInSegs", 0), side.get("TcpOutSegs", 0), None  # TCP backs off instead of dropping


def summarize_packets(d, xs):
    """
    Per direction: the server socket's packets received and sent per GB carried (thousands), and datagrams dropped
    because a receive buffer was full (server, client); medians over the runs that recorded the counters. They show
    what a throughput figure is made of: e.g. how many TCP acknowledgements the server tunnelled back per GB.
    """
    s = {}
    xs = [x for x in xs if x.get("net") and x["bytes"]]
    if not xs:
        return s
    srv = [tunnel_packets(x["net"].get("server", {})) + (x["bytes"] / 1e9,) for x in xs]
    cli = [tunnel_packets(x["net"].get("client", {})) for x in xs]
    s[f"{d}_server_pkts_in_k_per_gb"] = median([i / gb / 1e3 for i, _, _, gb in srv])
    s[f"{d}_server_pkts_out_k_per_gb"] = median([o / gb / 1e3 for _, o, _, gb in srv])
    if all(drops is not None for _, _, drops, _ in srv):
        s[f"{d}_server_rcvbuf_drops"] = median([drops for _, _, drops, _ in srv])
    if all(drops is not None for _, _, drops in cli):
        s[f"{d}_client_rcvbuf_drops"] = median([drops for _, _, drops in cli])
    return s


def summarize_latency(ok):
    """
    Ping and UDP request/response figures pooled over the rounds, through the tunnel and (base_) without it, and
    added_* = tunnel minus no-tunnel: what the VPN adds (issue 7's target 3a compares this between pairs).
    """
    s = {}
    for prefix in ("", "base_"):
        pings = [t for r in ok for t in r.get(prefix + "ping_ms", [])]
        if pings:
            s[prefix + "ping_avg_ms"] = statistics.fmean(pings)
            s[prefix + "ping_p50_ms"] = percentile(pings, 50)
            s[prefix + "ping_p90_ms"] = percentile(pings, 90)
            s[prefix + "ping_p99_ms"] = percentile(pings, 99)
            s[prefix + "ping_count"] = len(pings)
            s[prefix + "ping_lost"] = sum(r.get(prefix + "ping_lost", 0) for r in ok)
        chunks = [c for r in ok for c in r.get(prefix + "rr", []) if c.get("n")]
        if chunks:
            n = sum(c["n"] for c in chunks)
            s[prefix + "rr_count"] = n
            s[prefix + "rr_lost"] = sum(c.get("lost", 0) for c in chunks)
            s[prefix + "rr_avg_us"] = sum(c["avg_us"] * c["n"] for c in chunks) / n
            for q in ("p50", "p90", "p99"):  # median over the chunks (each ~thousands of exchanges)
                s[f"{prefix}rr_{q}_us"] = median([c[f"{q}_us"] for c in chunks])
    for q in ("avg", "p50", "p90", "p99"):
        if f"ping_{q}_ms" in s and f"base_ping_{q}_ms" in s:
            s[f"added_ping_{q}_ms"] = s[f"ping_{q}_ms"] - s[f"base_ping_{q}_ms"]
        # UDP RR: per round (tunnel and no tunnel measured in turn in one process), then the median over rounds.
        diffs = [t[f"{q}_us"] - b[f"{q}_us"] for r in ok for t, b in zip(r.get("rr", []), r.get("base_rr", []))
                 if t.get("n") and b.get("n")]
        if diffs:
            s[f"added_rr_{q}_us"] = median(diffs)
    return s


def stalled_note(s, d):
    n = s.get(f"{d}_stalled_runs")
    total = len(s.get(f"{d}_mbps_runs", []))
    return f" **stalled in {n} of {total} runs** (< {STALLED_MBPS:.0f} Mbit/s)" if n else ""


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
             f"SharpVPN commit `{meta['git_commit']}`{' (working tree)' if meta['working_tree'] else ''}, "
             f"{meta.get('sharpvpn_build', 'JIT (dotnet sharpvpn.dll)')} Release build"
             + (f"; our client runs as `{meta['sharpvpn_client']}`" if meta.get("sharpvpn_client") else ""))
    L.append(f"- Command: `{meta['command']}`")
    L.append("")
    base = results.get(BASELINE)
    if base:
        bs = base["summary"]
        if bs.get("runs_ok"):
            L.append(f"Baseline without a tunnel: iperf3 client → server public address "
                     f"{fmt(bs.get('up_mbps'))} Mbit/s up, {fmt(bs.get('down_mbps'))} Mbit/s down; "
                     + ("ping client → server (forwarding, masquerade) → intranet host 192.168.2.1 "
                        if meta.get("latency_baseline") else "ping client → server public address ") +
                     f"avg {fmt(bs.get('ping_avg_ms'), '{:.3f}')} / p50 {fmt(bs.get('ping_p50_ms'), '{:.3f}')} / "
                     f"p99 {fmt(bs.get('ping_p99_ms'), '{:.3f}')} ms.")
        else:
            L.append(f"Baseline without a tunnel: failed: {'; '.join(bs.get('errors', ['?']))[:200]}")
        L.append("")
    L.append("Up = client → intranet host (`iperf3 -c 192.168.1.1`), down = intranet → client (`-R`); "
             "TCP throughput in Mbit/s with the ratio to the openvpn pair. CPU = CPU seconds "
             "(utime+stime, all threads) of the server / client process per GB carried. Handshake = client process "
             "start → `Initialization Sequence Completed`, first connection to a freshly started server, median over "
             "all rounds and `--handshakes` starts per round (in brackets: "
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
                f"| {fmt(s.get('up_mbps'))}{ratio(s.get('up_mbps'), ref.get('up_mbps')) if key != 'ovpn-ovpn' else ''}"
                f"{stalled_note(s, 'up')} "
                f"| {fmt(s.get('down_mbps'))}{ratio(s.get('down_mbps'), ref.get('down_mbps')) if key != 'ovpn-ovpn' else ''}"
                f"{stalled_note(s, 'down')} "
                f"| {fmt(s.get('up_server_cpu_s_per_gb'), '{:.1f}')} / {fmt(s.get('up_client_cpu_s_per_gb'), '{:.1f}')} "
                f"| {fmt(s.get('down_server_cpu_s_per_gb'), '{:.1f}')} / {fmt(s.get('down_client_cpu_s_per_gb'), '{:.1f}')} "
                f"| {fmt(s.get('handshake_ms'), '{:.1f}')} ({fmt(s.get('handshake_warm_ms'))}) "
                f"| {fmt(s.get('ping_avg_ms'), '{:.3f}')} / {fmt(s.get('ping_p50_ms'), '{:.3f}')} / {fmt(s.get('ping_p99_ms'), '{:.3f}')} "
                f"| {mem} | {fmt(s.get('server_kb_per_client'))} |")
        L.append("")
    L.extend(latency_section(combos, results))
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
    L.extend(packets_section(combos, results))
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
                if cells != ["–", "–"]:
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


def packets_section(combos, results):
    """The tunnel's packets at the server's socket per GB carried, and receive-buffer drops; empty for older results."""
    rows = []
    for proto, cipher in combos:
        ck = f"{proto}/{cipher}"
        for key, _, _, _ in PAIRS:
            s = results.get(ck, {}).get(key, {}).get("summary")
            if not s or not s.get("runs_ok") or "up_server_pkts_in_k_per_gb" not in s:
                continue
            cells = []
            for d in ("up", "down"):
                cells.append(f"{fmt(s.get(f'{d}_server_pkts_in_k_per_gb'))} / {fmt(s.get(f'{d}_server_pkts_out_k_per_gb'))}")
                cells.append(f"{fmt(s.get(f'{d}_server_rcvbuf_drops'))} / {fmt(s.get(f'{d}_client_rcvbuf_drops'))}")
            rows.append(f"| {proto} · {cipher} | {key} | " + " | ".join(cells) + " |")
    if not rows:
        return []
    return ["Tunnel packets at the server's socket per GB carried (thousands; received / sent: in the up direction "
            "the data comes in and the intranet host's TCP acknowledgements go back out, in the down direction the "
            "reverse; with UDP GRO, as on our sockets, a coalesced batch counts once) and datagrams dropped because a socket's "
            "receive buffer was full (medians per run):", "",
            "| transport · cipher | pair | up: server in / out k/GB | up: drops server / client "
            "| down: server in / out k/GB | down: drops server / client |",
            "|---|---|---|---|---|---|", *rows, ""]


def latency_section(combos, results):
    """Latency through the tunnel, without it (same run, interleaved), and what the tunnel adds."""
    L = ["Latency (`latprobe.py`): ICMP echo client → 192.168.1.1 through the tunnel, alternating packet by packet "
         "with the same echo over the same veths and server forwarding + masquerade but without the tunnel (client → "
         "192.168.2.1); **added = through the tunnel − without** (each statistic over the pooled samples of all "
         "rounds). Pings go out `--ping-interval` apart, so the path idles between them. UDP RR = back-to-back UDP "
         "request/response (72-byte datagrams, the next request as soon as the reply is in; tunnel and no tunnel "
         "exchanges alternating), the path busy; per round p50 and mean (added: per round, tunnel − no tunnel), median over "
         "the rounds.", ""]
    for proto, cipher in combos:
        ck = f"{proto}/{cipher}"
        rows = []
        for key, _, _, label in PAIRS:
            s = results.get(ck, {}).get(key, {}).get("summary")
            if not s or not s.get("ping_count"):
                continue
            rows.append(
                f"| {key} "
                f"| {fmt(s.get('ping_avg_ms'), '{:.3f}')} / {fmt(s.get('ping_p50_ms'), '{:.3f}')} / "
                f"{fmt(s.get('ping_p99_ms'), '{:.3f}')} "
                f"| {fmt(s.get('base_ping_avg_ms'), '{:.3f}')} / {fmt(s.get('base_ping_p50_ms'), '{:.3f}')} / "
                f"{fmt(s.get('base_ping_p99_ms'), '{:.3f}')} "
                f"| **{us(s.get('added_ping_avg_ms'))} / {us(s.get('added_ping_p50_ms'))}** / "
                f"{us(s.get('added_ping_p99_ms'))} "
                f"| {s.get('ping_count')} ({s.get('ping_lost', 0)} lost) "
                f"| {fmt(s.get('rr_avg_us'))} / {fmt(s.get('rr_p50_us'))} / {fmt(s.get('rr_p99_us'))} "
                f"| **{fmt(s.get('added_rr_avg_us'))} / {fmt(s.get('added_rr_p50_us'))}** "
                f"| {fmt(s.get('rr_count'))} |")
        if rows:
            L += [f"{proto.upper()} · {cipher}:", "",
                  "| pair | ping through tunnel avg / p50 / p99 ms | without tunnel avg / p50 / p99 ms "
                  "| **added avg / p50** / p99 µs | pings | UDP RR avg / p50 / p99 µs | **UDP RR added avg / p50 µs** "
                  "| exchanges |",
                  "|---|---|---|---|---|---|---|---|", *rows, ""]
    return L


def us(ms):
    return "–" if ms is None else f"{ms * 1000:.0f}"


def targets_section(combos, results):
    """Issue 7's targets, checked on the UDP + AES-256-GCM figures of this run."""
    ck = "udp/AES-256-GCM"
    if ("udp", "AES-256-GCM") not in combos:
        return []
    get = lambda key: results.get(ck, {}).get(key, {}).get("summary", {})  # noqa: E731
    ref, ours, srv, cli = get("ovpn-ovpn"), get("ours-ours"), get("ours-ovpn"), get("ovpn-ours")
    if not ref.get("runs_ok"):
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
    if "added_ping_avg_ms" in ours and "added_ping_avg_ms" in ref:
        # Issue 7 compares the latency the tunnel ADDS: each pair minus its own interleaved no-tunnel pings.
        ok_p = ours["added_ping_avg_ms"] <= ref["added_ping_avg_ms"]
        ok_p50 = ours["added_ping_p50_ms"] <= ref["added_ping_p50_ms"]
        rows.append(f"| 3a. ours/ours added ping latency ≤ openvpn pair's | added avg "
                    f"{us(ours['added_ping_avg_ms'])} vs {us(ref['added_ping_avg_ms'])}, p50 "
                    f"{us(ours['added_ping_p50_ms'])} vs {us(ref['added_ping_p50_ms'])} µs (through the tunnel: p50 "
                    f"{ours['ping_p50_ms']:.3f} vs {ref['ping_p50_ms']:.3f} ms; UDP RR added p50 "
                    f"{fmt(ours.get('added_rr_p50_us'))} vs {fmt(ref.get('added_rr_p50_us'))} µs) | "
                    f"{verdict(ok_p and ok_p50)} |")
    else:  # an older JSON without the no-tunnel pings
        ok_p, t_p = cmp(ours, "ping_avg_ms", 1.0, "lower")
        ok_p50, t_p50 = cmp(ours, "ping_p50_ms", 1.0, "lower")
        rows.append(f"| 3a. ours/ours ping ≤ openvpn pair | avg {t_p}, p50 {t_p50} ms | "
                    f"{verdict(None if ok_p is None else ok_p and ok_p50)} |")
    ok_h, _ = cmp(ours, "handshake_ms", 1.0, "lower")
    t_h = "–" if ok_h is None else (f"{ours['handshake_ms']:.1f} vs {ref['handshake_ms']:.1f} ms (medians of "
                                     f"{ours.get('handshake_samples', 1)} and {ref.get('handshake_samples', 1)} fresh-server handshakes)")
    if ok_h is not None and "startup_ms" in ours and "startup_ms" in ref:
        t_h += (f"; process start → client's first log line {ours['startup_ms']:.1f} vs {ref['startup_ms']:.1f} ms, "
                f"first log line → Initialization Sequence Completed {ours['after_startup_ms']:.1f} vs "
                f"{ref['after_startup_ms']:.1f} ms")
    if ok_h is not None and "handshake_ms" in srv and "handshake_ms" in cli:
        # Whose part is whose: each mixed pair swaps one side of the reference pair for ours.
        t_h += (f"; our server with the openvpn client {srv['handshake_ms']:.1f} ms, the openvpn server with our client "
                f"{cli['handshake_ms']:.1f} ms")
    rows.append(f"| 3b. ours/ours handshake ≤ openvpn pair | {t_h} | {verdict(ok_h)} |")
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
           f"{meta['load_start'][0]:.0f}-{meta['load_end'][0]:.0f}, commit {meta['git_commit']} "
           f"{'AOT' if 'AOT' in meta.get('sharpvpn_build', '') else 'JIT'}")
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
