#!/usr/bin/env bash
# The README's main command: installs what SharpVPN needs (idempotent), publishes the
# self-contained 'sharpvpn' to out/, and runs 'sharpvpn demo': the whole tutorial (PKI, server,
# intranet host, client, ping through the tunnel) in throw-away network namespaces.
# Usage: sudo bash scripts/demo.sh [extra 'sharpvpn demo' arguments]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib.sh

require_root
install_prerequisites
check_environment

echo "sharpvpn demo: building out/sharpvpn"
# With -r the CLI is compiled with Native AOT (fast start), which links with clang or gcc; without either,
# publish the self-contained JIT build instead of failing.
aot=()
if ! command -v clang >/dev/null && ! command -v gcc >/dev/null; then
  echo "sharpvpn demo: no clang/gcc for Native AOT; building the JIT executable (apt-get install clang for the fast one)"
  aot=(-p:PublishAot=false)
fi
dotnet publish src/SharpVpn.Cli -c Release -r linux-x64 --self-contained "${aot[@]}" -o out/ -nologo -clp:ErrorsOnly

exec out/sharpvpn demo "$@"
