#!/usr/bin/env python3
"""Prints the failed tests found in the .trx files under a directory: name, duration, and the first lines of
the error message. scripts/test.sh calls it at the end of a run, so a failure's name is in the last lines of
the log (CI keeps only the tail, and the console logger prints a failure among the test's long output)."""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
MESSAGE_LINES = 6


def failures(directory: Path):
    for trx in sorted(directory.rglob("*.trx")):
        root = ET.parse(trx).getroot()
        for result in root.iterfind(".//t:UnitTestResult", NS):
            if result.get("outcome") != "Failed":
                continue
            message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS).strip()
            yield trx.name, result.get("testName", "?"), result.get("duration", "?"), message


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: trx_failures.py RESULTS_DIRECTORY", file=sys.stderr)
        return 2
    found = list(failures(Path(argv[1])))
    for trx, name, duration, message in found:
        print(f"FAILED {name} ({duration}, {trx})")
        for line in message.splitlines()[:MESSAGE_LINES]:
            print(f"    {line}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
