"""Unit tests of bench.py and lab.py: which executable runs as our client, the namespaces' packet counters (run by scripts/test.sh with test_report.py)."""

import os
import tempfile
import unittest

import bench
import lab


class ClientExecutableTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def touch(self, name):
        path = os.path.join(self.dir.name, name)
        open(path, "w").close()
        return path

    def test_the_client_alone_lying_next_to_sharpvpn_runs_without_the_word_client(self):
        native = self.touch("sharpvpn")
        alone = self.touch("sharpvpn-client")
        self.assertEqual(bench.client_executable(native, all_in_one=False), (alone, []))

    def test_under_the_jit_the_client_alone_is_its_dll(self):
        dll = self.touch("sharpvpn.dll")
        alone = self.touch("sharpvpn-client.dll")
        self.assertEqual(bench.client_executable(dll, all_in_one=False), (alone, []))

    def test_all_in_one_or_no_client_alone_runs_sharpvpn_client(self):
        native = self.touch("sharpvpn")
        self.assertEqual(bench.client_executable(native, all_in_one=False), (native, ["client"]))
        self.touch("sharpvpn-client")
        self.assertEqual(bench.client_executable(native, all_in_one=True), (native, ["client"]))


class LogStampTests(unittest.TestCase):
    LOG = ("1795969921.100000 1 OpenVPN 2.6.14 x86_64-pc-linux-gnu\n"
           "1795969921.105500 3 TLS: Initial packet from [AF_INET]172.16.1.254:1194\n"
           "1795969921.114250 1 Initialization Sequence Completed\n"
           "1795969922.000000 1 Initialization Sequence Completed\n")

    def test_the_first_line_and_the_first_line_with_the_needle_give_their_own_times(self):
        first, found = bench.log_stamps(self.LOG, "Initialization Sequence Completed")
        self.assertAlmostEqual(first, 1795969921.1, places=6)
        self.assertAlmostEqual(found, 1795969921.11425, places=6)

    def test_lines_without_a_stamp_are_not_read_as_times(self):
        text = "2026-11-29 16:28:36 Initialization Sequence Completed\nOptions error: x\n"
        self.assertEqual(bench.log_stamps(text, "Initialization Sequence Completed"), (None, None))
        self.assertEqual(bench.log_stamps(self.LOG, "never logged")[1], None)

    def test_the_clients_log_asks_for_stamped_lines(self):
        conf = bench.client_conf({"ca": "ca", "client_cert": "c", "client_key": "k", "tc": "tc"}, "udp", "AES-256-GCM", "/tmp/x.log")
        self.assertIn("\nmachine-readable-output\n", conf)


SNMP = """Ip: Forwarding DefaultTTL InReceives
Ip: 1 64 1000
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors
Udp: 500 1 7 420 6 0
Tcp: RtoAlgorithm InSegs OutSegs
Tcp: 1 30 40
"""


class PacketCounterTests(unittest.TestCase):
    def test_proc_net_snmp_is_read_as_groups_of_named_counters(self):
        counters = lab.parse_snmp(SNMP)
        self.assertEqual(counters["Udp"], {"InDatagrams": 500, "NoPorts": 1, "InErrors": 7, "OutDatagrams": 420,
                                           "RcvbufErrors": 6, "SndbufErrors": 0})
        self.assertEqual(counters["Tcp"]["OutSegs"], 40)

    def test_a_header_without_its_values_is_an_error_not_a_silent_shift(self):
        with self.assertRaises(ValueError):
            lab.parse_snmp("Udp: InDatagrams OutDatagrams\nTcp: 1 2\n")

    def test_deltas_cover_the_tunnel_counters_of_both_sides(self):
        before = {"server": lab.parse_snmp(SNMP), "client": lab.parse_snmp(SNMP)}
        after_text = SNMP.replace("Udp: 500 1 7 420 6 0", "Udp: 1500 1 7 920 16 0")
        after = {"server": lab.parse_snmp(after_text), "client": lab.parse_snmp(SNMP)}
        deltas = bench.counter_deltas(before, after)
        self.assertEqual(deltas["server"], {"UdpInDatagrams": 1000, "UdpOutDatagrams": 500, "UdpRcvbufErrors": 10,
                                            "TcpInSegs": 0, "TcpOutSegs": 0})
        self.assertEqual(deltas["client"]["UdpRcvbufErrors"], 0)


if __name__ == "__main__":
    unittest.main()


class InterleavedHandshakeTests(unittest.TestCase):
    """The fresh-server handshakes of a round are taken in turns across the pairs, so every pair sees the same noise."""

    class FakeBench(bench.Bench):
        def __init__(self, handshakes, failing=()):  # no lab: fresh_handshake is replaced
            self.args = type("Args", (), {"handshakes": handshakes})()
            self.calls, self.failing = [], set(failing)

        def fresh_handshake(self, srv_impl, cli_impl, proto, cipher):
            self.calls.append(srv_impl)
            if srv_impl in self.failing:
                raise bench.PairFailure(f"{srv_impl} server exited")
            return 10.0 + len(self.calls), 5.0

    PAIRS = [("a", "A", "a-cli", ""), ("b", "B", "b-cli", ""), ("c", "C", "c-cli", "")]

    def test_turns_rotate_across_the_pairs_and_each_pair_gets_handshakes_minus_one(self):
        fake = self.FakeBench(handshakes=4)
        results = [{}, {}, {}]
        fake.interleaved_handshakes(list(zip(self.PAIRS, results)), "udp", "AES-256-GCM")
        self.assertEqual(fake.calls, ["A", "B", "C", "B", "C", "A", "C", "A", "B"])
        self.assertEqual([len(r["handshake_extra_ms"]) for r in results], [3, 3, 3])
        self.assertEqual(results[0]["handshake_extra_ms"], [11.0, 16.0, 18.0])
        self.assertEqual(results[0]["client_first_log_extra_ms"], [5.0, 5.0, 5.0])

    def test_a_failed_round_is_left_out_and_a_failing_pair_stops_being_asked(self):
        fake = self.FakeBench(handshakes=3, failing={"B"})
        results = [{}, {}, {"error": "no ping reply"}]
        fake.interleaved_handshakes(list(zip(self.PAIRS, results)), "udp", "AES-256-GCM")
        self.assertEqual(fake.calls, ["A", "B", "A"])
        self.assertEqual(len(results[0]["handshake_extra_ms"]), 2)
        self.assertEqual(results[1]["handshake_extra_ms"], [])
        self.assertIn("B server exited", results[1]["handshake_extra_error"])
        self.assertNotIn("handshake_extra_ms", results[2])
