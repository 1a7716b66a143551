"""Unit tests of which executable bench.py runs as our client (run by scripts/test.sh with test_report.py)."""

import os
import tempfile
import unittest

import bench


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


if __name__ == "__main__":
    unittest.main()
