#!/usr/bin/env bash
# Whole-tunnel benchmark of SharpVPN against OpenVPN 2.6 in network namespaces (see bench/README.md).
#   sudo bench/netns/run.sh --quick     # UDP + AES-256-GCM, 3 runs of 5 s (about 5 minutes)
#   sudo bench/netns/run.sh             # UDP and TCP x AES-256-GCM and CHACHA20-POLY1305, 5 runs of 10 s
#   sudo bench/netns/run.sh --help      # all options
# The Python harness cleans up after itself; this trap is the second line: whatever is left in this run's
# namespaces (svb<pid>-cli/-srv/-int) is killed by PID and the namespaces are deleted.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $EUID -ne 0 ]]; then
    echo "run.sh: must run as root (network namespaces, tun devices): sudo $0 $*" >&2
    exit 1
fi
prefix="svb$$"
cleanup() {
    local ns pid
    for ns in "$prefix-cli" "$prefix-srv" "$prefix-int"; do
        if ip netns list | grep -qw -- "$ns"; then
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
            ip netns del "$ns" 2>/dev/null || true
        fi
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
python3 "$here/bench.py" --prefix "$prefix" "$@"
