#!/usr/bin/env bash
# The README's test command: installs what the tests need (idempotent), checks the machine,
# then builds and runs every test project (unit and interop) in Release, and the benchmark harness's Python tests.
# Usage: sudo bash scripts/test.sh [extra 'dotnet test' arguments, e.g. --filter "Category!=Interop"]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

require_root
install_prerequisites
check_environment

before="$(stale_lab_namespaces | sort)"

echo "sharpvpn test: building"
dotnet build SharpVpn.slnx -c Release -nologo -clp:ErrorsOnly

# One test assembly at a time (-m:1): two cores, and the interop tests run real openvpn processes.
echo "sharpvpn test: running all test projects"
# Each project also writes a .trx file, so the failures can be listed by name at the very end of the log.
results="$(mktemp -d /tmp/sharpvpn-test-results.XXXXXX)"
status=0
dotnet test SharpVpn.slnx -c Release --no-build -nologo -m:1 --results-directory "$results" --logger trx "$@" || status=$?

# The benchmark harness (bench/netns): its report and which executable runs our client; no lab needed.
echo "sharpvpn test: benchmark harness tests"
python3 -B -m unittest discover -s bench/netns -p 'test_*.py' || status=1
# ... and of this script's failure summary (scripts/trx_failures.py).
python3 -B -m unittest discover -s scripts -p 'test_*.py' || status=1

leftover="$(comm -13 <(echo "$before") <(stale_lab_namespaces | sort) | grep . || true)"
if [ -n "$leftover" ]; then
  echo "sharpvpn test: FAILED: the run left network namespaces behind: $leftover" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  python3 -B scripts/trx_failures.py "$results" >&2 || true
  echo "sharpvpn test: FAILED (exit $status); test results kept in $results" >&2
  exit "$status"
fi
rm -rf "$results"
echo "sharpvpn test: all tests passed"
