#!/bin/sh
# Data-channel micro-benchmarks (BenchmarkDotNet, short job, in-process) side by side with
# `openssl speed` on the same machine in the same run. Usage: bench/SharpVpn.Benchmarks/run-datachannel.sh [filter...]
# Note: `openssl speed` divides by CPU user time by default; `-elapsed` uses wall-clock time,
# which is what BenchmarkDotNet reports. On a loaded machine only the -elapsed figure compares.
set -eu
cd "$(dirname "$0")/../.."
ART=${ART:-/tmp/art-bench}
# Default: the data-channel classes only (run-micro.sh runs everything, control and route lookups too).
if [ $# -eq 0 ]; then
  set -- '*Aead*' '*CbcHmac*' '*ReplayWindow*' '*PacketHeader*' '*CompressionFraming*' '*DataChannelPipe*'
fi
echo "# $(date -u '+%Y-%m-%d %H:%M UTC') $(uname -n) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build -c Release bench/SharpVpn.Benchmarks --artifacts-path "$ART" -nologo -clp:ErrorsOnly
dotnet "$ART/bin/SharpVpn.Benchmarks/release/SharpVpn.Benchmarks.dll" --filter "$@" --job short --inProcess \
  | grep -E '^\||^(Intel|AMD|BenchmarkDotNet|\.NET SDK)' || true
for alg in aes-256-gcm chacha20-poly1305; do
  echo "openssl speed -evp $alg -bytes 1420 -seconds 2 (CPU time):   $(openssl speed -evp $alg -bytes 1420 -seconds 2 2>/dev/null | tail -1)"
  echo "openssl speed -elapsed -evp $alg -bytes 1420 -seconds 2 (wall): $(openssl speed -elapsed -evp $alg -bytes 1420 -seconds 2 2>/dev/null | tail -1)"
done
echo "## CPU-time comparison (robust under load)"
dotnet "$ART/bin/SharpVpn.Benchmarks/release/SharpVpn.Benchmarks.dll" cpu-compare
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
