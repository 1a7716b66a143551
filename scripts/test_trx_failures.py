"""Unit tests of trx_failures.py: the failed tests of .trx files are listed by name with their message (run by scripts/test.sh)."""

import os
import tempfile
import unittest
from pathlib import Path

import trx_failures

TRX = """<?xml version="1.0" encoding="utf-8"?>
<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Results>
    <UnitTestResult testName="Ns.A.Passes" outcome="Passed" duration="00:00:00.01" />
    <UnitTestResult testName="Ns.B.Fails(version: 1)" outcome="Failed" duration="00:00:20.5">
      <Output><ErrorInfo><Message>condition not met within 20 s
last value: x</Message><StackTrace>at B</StackTrace></ErrorInfo></Output>
    </UnitTestResult>
  </Results>
</TestRun>
"""


class TrxFailuresTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, name, text):
        with open(os.path.join(self.dir.name, name), "w") as f:
            f.write(text)

    def test_only_the_failed_tests_are_listed_with_their_message(self):
        self.write("run.trx", TRX)
        found = list(trx_failures.failures(Path(self.dir.name)))
        self.assertEqual(found, [("run.trx", "Ns.B.Fails(version: 1)", "00:00:20.5", "condition not met within 20 s\nlast value: x")])

    def test_exit_status_says_whether_anything_failed(self):
        self.write("ok.trx", TRX.replace('outcome="Failed"', 'outcome="Passed"'))
        self.assertEqual(trx_failures.main(["trx_failures.py", self.dir.name]), 0)
        self.write("bad.trx", TRX)
        self.assertEqual(trx_failures.main(["trx_failures.py", self.dir.name]), 1)


if __name__ == "__main__":
    unittest.main()
