#!/bin/sh
# Every per-packet micro-benchmark (BenchmarkDotNet, short job, in-process, [MemoryDiagnoser]) and a markdown
# results file with the date, machine, load and commit. Usage: bench/SharpVpn.Benchmarks/run-micro.sh [filter] [out.md]
# In-process because the default out-of-process toolchain builds one project per benchmark (minutes on 2 cores).
set -eu
cd "$(dirname "$0")/../.."
ART=${ART:-/tmp/art-bench}
FILTER=${1:-*}
OUT=${2:-bench/SharpVpn.Benchmarks/results/latest.md}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
dotnet build -c Release bench/SharpVpn.Benchmarks --artifacts-path "$ART" -nologo -clp:ErrorsOnly
rm -rf "$ART/bdn/results"
dotnet "$ART/bin/SharpVpn.Benchmarks/release/SharpVpn.Benchmarks.dll" --filter "$FILTER" --job short --inProcess \
  --artifacts "$ART/bdn" >"$ART/bdn.log" 2>&1 || { tail -40 "$ART/bdn.log"; exit 1; }
{
  echo "# Per-packet micro-benchmarks"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(uname -n), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"
  echo "- load average (1/5/15 min) before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/SharpVpn.Benchmarks ':!bench/SharpVpn.Benchmarks/results' || echo ' (+ uncommitted changes)')"
  echo "- command: \`bench/SharpVpn.Benchmarks/run-micro.sh '$FILTER'\` (BenchmarkDotNet --job short --inProcess)"
  echo
  echo "Allocated is per operation (one packet / one lookup); '-' means 0 B. Wall-clock times on a loaded shared"
  echo "machine are noisy; the allocation column is the figure this file is for."
  echo
  # BenchmarkDotNet's environment block, once (it repeats it per class).
  sed -n '/^```/,/^```/p' "$(ls "$ART"/bdn/results/*-report-github.md | head -1)"
  for f in "$ART"/bdn/results/*-report-github.md; do
    name=$(basename "$f" -report-github.md)
    echo
    echo "## ${name#SharpVpn.Benchmarks.}"
    echo
    # Drop BenchmarkDotNet's environment block (repeated per class); the header above has the machine.
    sed '/^```/,/^```/d' "$f" | sed '/^$/d'
  done
} >"$OUT"
echo "wrote $OUT"
