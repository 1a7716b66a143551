"""Unit tests of report.py's handshake split (run by scripts/test.sh: python3 -m unittest discover -s bench/netns)."""

import unittest

import report


def round_(handshake_ms, first_log_ms, extra_ms=(), extra_first_log_ms=()):
    """One round as bench.py records it (only the fields the handshake summary reads)."""
    return {"load1": 0.5, "handshake_ms": handshake_ms, "client_first_log_ms": first_log_ms, "handshake_warm_ms": handshake_ms,
            "handshake_extra_ms": list(extra_ms), "client_first_log_extra_ms": list(extra_first_log_ms)}


class HandshakeSplitTests(unittest.TestCase):
    def test_split_is_the_median_over_every_fresh_handshake_with_a_first_log_line(self):
        s = report.summarize([round_(40.0, 25.0, [42.0, 38.0], [27.0, 24.0]),
                              round_(44.0, 0.0, [41.0], [26.0])])  # 0 = no line before ISC: left out
        self.assertEqual(s["handshake_ms"], 41.0)  # all five handshakes
        self.assertEqual(s["startup_ms"], 25.5)  # 25, 27, 24, 26
        self.assertEqual(s["after_startup_ms"], 15.0)  # 15, 15, 14, 15

    def test_older_results_without_extra_first_lines_still_split_on_the_rounds_first_handshakes(self):
        s = report.summarize([{"load1": 0.5, "handshake_ms": 40.0, "client_first_log_ms": 26.0, "handshake_extra_ms": [50.0]}])
        self.assertEqual(s["startup_ms"], 26.0)
        self.assertEqual(s["after_startup_ms"], 14.0)

    def test_target_row_shows_the_split_only_when_both_pairs_have_it(self):
        ref = {"runs_ok": 1, "handshake_ms": 34.0, "handshake_samples": 3, "startup_ms": 21.0, "after_startup_ms": 13.0}
        ours = {"runs_ok": 1, "handshake_ms": 40.0, "handshake_samples": 3, "startup_ms": 26.0, "after_startup_ms": 14.0}
        results = {"udp/AES-256-GCM": {"ovpn-ovpn": {"summary": ref}, "ours-ours": {"summary": ours}}}
        row = next(r for r in report.targets_section([("udp", "AES-256-GCM")], results) if r.startswith("| 3b."))
        self.assertIn("process start → client's first log line 26.0 vs 21.0 ms", row)
        self.assertIn("first log line → Initialization Sequence Completed 14.0 vs 13.0 ms", row)
        self.assertIn("**not met**", row)

        self.assertNotIn("our server with the openvpn client", row)  # no mixed pairs in this run

        results["udp/AES-256-GCM"]["ours-ovpn"] = {"summary": {"runs_ok": 1, "handshake_ms": 35.0}}
        results["udp/AES-256-GCM"]["ovpn-ours"] = {"summary": {"runs_ok": 1, "handshake_ms": 39.5}}
        row = next(r for r in report.targets_section([("udp", "AES-256-GCM")], results) if r.startswith("| 3b."))
        self.assertIn("our server with the openvpn client 35.0 ms, the openvpn server with our client 39.5 ms", row)

        del ref["startup_ms"]
        row = next(r for r in report.targets_section([("udp", "AES-256-GCM")], results) if r.startswith("| 3b."))
        self.assertNotIn("first log line", row)


def iperf_run(gb, server, client):
    """One direction of one round as bench.py records it, with the namespaces' counter deltas."""
    return {"mbps": 400.0, "bytes": int(gb * 1e9), "retransmits": 0, "wall_s": 5.0, "cpu_s": {}, "thread_cpu_s": {},
            "net": {"server": server, "client": client}}


class TunnelPacketTests(unittest.TestCase):
    def test_udp_packets_per_gb_and_drops_are_medians_over_the_runs(self):
        runs = [{"load1": 0.5, "up": iperf_run(0.5, {"UdpInDatagrams": 360_000, "UdpOutDatagrams": 150_000, "UdpRcvbufErrors": 40,
                                                      "TcpInSegs": 0, "TcpOutSegs": 0}, {"UdpRcvbufErrors": 0})},
                {"load1": 0.5, "up": iperf_run(0.25, {"UdpInDatagrams": 180_000, "UdpOutDatagrams": 80_000, "UdpRcvbufErrors": 10,
                                                       "TcpInSegs": 0, "TcpOutSegs": 0}, {"UdpRcvbufErrors": 2})}]
        s = report.summarize(runs)
        self.assertEqual(s["up_server_pkts_in_k_per_gb"], 720.0)
        self.assertEqual(s["up_server_pkts_out_k_per_gb"], 310.0)  # 300 and 320
        self.assertEqual(s["up_server_rcvbuf_drops"], 25.0)
        self.assertEqual(s["up_client_rcvbuf_drops"], 1.0)

    def test_over_tcp_the_segments_count_and_there_are_no_drops_to_show(self):
        runs = [{"load1": 0.5, "down": iperf_run(1.0, {"UdpInDatagrams": 0, "UdpRcvbufErrors": 0, "TcpInSegs": 200_000,
                                                        "TcpOutSegs": 750_000}, {"TcpInSegs": 750_000})}]
        s = report.summarize(runs)
        self.assertEqual((s["down_server_pkts_in_k_per_gb"], s["down_server_pkts_out_k_per_gb"]), (200.0, 750.0))
        self.assertNotIn("down_server_rcvbuf_drops", s)
        self.assertNotIn("down_client_rcvbuf_drops", s)

    def test_the_table_has_a_row_per_pair_with_counters_and_is_left_out_for_older_results(self):
        summary = {"runs_ok": 1, "up_server_pkts_in_k_per_gb": 721.4, "up_server_pkts_out_k_per_gb": 312.0,
                   "up_server_rcvbuf_drops": 392, "up_client_rcvbuf_drops": 0, "down_server_pkts_in_k_per_gb": 180.0,
                   "down_server_pkts_out_k_per_gb": 722.0}
        results = {"udp/AES-256-GCM": {"ovpn-ours": {"summary": summary}, "ovpn-ovpn": {"summary": {"runs_ok": 1}}}}
        lines = report.packets_section([("udp", "AES-256-GCM")], results)
        rows = [ln for ln in lines if ln.startswith("| udp")]
        self.assertEqual(rows, ["| udp · AES-256-GCM | ovpn-ours | 721 / 312 | 392 / 0 | 180 / 722 | – / – |"])
        self.assertEqual(report.packets_section([("udp", "AES-256-GCM")], {"udp/AES-256-GCM": {"ovpn-ovpn": {"summary": {"runs_ok": 1}}}}), [])


if __name__ == "__main__":
    unittest.main()
