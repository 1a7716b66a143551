# Shared set-up for scripts/test.sh and scripts/demo.sh: root check, idempotent apt-get install
# of what the lab needs, and hard failures (never skips) for what cannot be installed.
# Sourced, not run.

fail() {
  echo "sharpvpn setup: $*" >&2
  exit 1
}

require_root() {
  [ "$(id -u)" -eq 0 ] || fail "must run as root (network namespaces, tun devices and nftables need it): sudo bash $0"
}

# Debian package -> a file that proves it is installed.
declare -A SHARPVPN_PACKAGES=(
  [openvpn]=/usr/sbin/openvpn
  [easy-rsa]=/usr/share/easy-rsa/easyrsa
  [iperf3]=/usr/bin/iperf3
  [nftables]=/usr/sbin/nft
  [iproute2]=/usr/sbin/ip
  [iputils-ping]=/usr/bin/ping
  [openssl]=/usr/bin/openssl
  [gcc]=/usr/bin/gcc
  # The compression tests build a C helper against the real libraries (test/SharpVpn.DataChannel.Tests/Vectors).
  [liblzo2-dev]=/usr/include/lzo/lzo1x.h
  [liblz4-dev]=/usr/include/lz4.h
  # The proxy tests connect through a real HTTP proxy, which they start in a lab namespace ...
  [tinyproxy]=/usr/bin/tinyproxy
  # ... and through a real SOCKS5 proxy.
  [microsocks]=/usr/bin/microsocks
  # ... and UDP through a SOCKS5 relay (UDP ASSOCIATE).
  [dante-server]=/usr/sbin/danted
  # The port-share test's web server.
  [python3]=/usr/bin/python3
)

install_prerequisites() {
  local missing=()
  local pkg
  for pkg in "${!SHARPVPN_PACKAGES[@]}"; do
    [ -e "${SHARPVPN_PACKAGES[$pkg]}" ] || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "sharpvpn setup: prerequisites present (${!SHARPVPN_PACKAGES[*]})"
    return
  fi
  command -v apt-get >/dev/null || fail "missing packages ${missing[*]} and no apt-get to install them"
  echo "sharpvpn setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || fail "apt-get update failed; cannot install ${missing[*]}"
  apt-get install -y -q --no-install-recommends "${missing[@]}" || fail "apt-get install ${missing[*]} failed"
  # Debian starts an installed tinyproxy or danted as a service; the tests need only the programs, not proxies on this host.
  local service
  for service in tinyproxy danted; do
    if [ -d /run/systemd/system ] && [[ " ${missing[*]} " == *" ${service/danted/dante-server} "* ]]; then
      systemctl disable --now "$service.service" >/dev/null 2>&1 || true
    fi
  done
}

check_environment() {
  if [ ! -c /dev/net/tun ]; then
    modprobe tun 2>/dev/null || true
  fi
  [ -c /dev/net/tun ] || fail "/dev/net/tun is missing: load the tun module (modprobe tun) or, in a container, pass the device (--device /dev/net/tun --cap-add NET_ADMIN)"
  command -v openvpn >/dev/null || fail "openvpn is not installed (apt-get install openvpn)"
  command -v dotnet >/dev/null || fail "the .NET SDK is not on PATH for root; install the .NET 10 SDK (https://learn.microsoft.com/dotnet/core/install/linux-debian) or run: sudo env PATH=\"\$PATH\" bash $0"
  ip netns add "svcheck$$" 2>/dev/null && ip netns del "svcheck$$" \
    || fail "cannot create network namespaces (ip netns add); the lab needs CAP_SYS_ADMIN and CAP_NET_ADMIN"
}

# Namespaces named by our lab (sv{pid}x{n}-role) whose owning process is gone.
stale_lab_namespaces() {
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    if [[ "$ns" =~ ^sv([0-9]+)x[0-9]+- ]]; then
      pid="${BASH_REMATCH[1]}"
      [ -d "/proc/$pid" ] || echo "$ns"
    fi
  done
}
