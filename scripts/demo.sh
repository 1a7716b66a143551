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
dotnet publish src/SharpVpn.Cli -c Release -r linux-x64 --self-contained -o out/ -nologo -clp:ErrorsOnly

exec out/sharpvpn demo "$@"
