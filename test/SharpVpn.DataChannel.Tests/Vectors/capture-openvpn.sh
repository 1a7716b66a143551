#!/bin/sh
# Captures data-channel known answers from two REAL openvpn 2.6 processes (p2p TLS mode over
# loopback UDP, --dev null, --verb 9, keepalive pings as payload) and writes
# openvpn-2.6-captured.txt. verb 7 logs the data-channel keys ("CIPHER KEY"/"HMAC KEY"),
# verb 9 logs each packet's IV, AD, plaintext, HMAC/tag and ciphertext (crypto.c D_PACKET_CONTENT).
# 2.6 peers derive these keys with TLS-EKM, so this checks packet layout, nonce/IV, AAD, tag
# position and HMAC coverage; the PRF is checked by the §14.4 upstream vector.
# Usage: test/SharpVpn.DataChannel.Tests/Vectors/capture-openvpn.sh   (needs openvpn, openssl, python3)
set -eu
OUT="$(cd "$(dirname "$0")" && pwd)/openvpn-2.6-captured.txt"
W=$(mktemp -d /tmp/sv-capture.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=cap-ca 2>/dev/null
for n in server client; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $n.key -out $n.csr -subj /CN=$n 2>/dev/null
  openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $n.pem -days 2 2>/dev/null
done

run() { # cipher auth extra-options
  COMMON="--dev null --proto udp --ca ca.pem --data-ciphers $1 --cipher $1 --auth $2 --verb 9 --ping 1 --disable-dco $3"
  openvpn $COMMON --tls-server --dh none --cert server.pem --key server.key --local 127.0.0.1 --lport 21194 --remote 127.0.0.1 --rport 21195 > server.log 2>&1 &
  S=$!
  openvpn $COMMON --tls-client --cert client.pem --key client.key --local 127.0.0.1 --lport 21195 --remote 127.0.0.1 --rport 21194 > client.log 2>&1 &
  C=$!
  sleep 4
  kill $S $C; wait $S $C 2>/dev/null || true
  python3 - "$1" "$2" "$3" >> "$OUT.tmp" <<'PY'
import re, sys
cipher, auth, extra = sys.argv[1:4]
def lines(f):
    return [l.rstrip('\n').split(' ', 3)[3] for l in open(f) if l.count(' ') >= 3]
def hexof(s):
    return s.replace(' ', '').replace('[more...]', '')
cl, sv = lines('client.log'), lines('server.log')
key = lambda log, what: next(hexof(l.split(': ', 1)[1].split(': ', 1)[1]) for l in log if l.startswith('Outgoing Data Channel: ' + what))
v = {'cipher': cipher, 'auth': auth, 'options': extra or '-', 'version': next(l for l in cl if l.startswith('OpenVPN 2')).split(' [')[0]}
v['cipher_key'] = key(cl, 'CIPHER KEY')
aead = 'GCM' in cipher or 'POLY' in cipher
if not aead:
    v['hmac_key'] = key(cl, 'HMAC KEY')
# First client -> server data packet that the server logged as received.
recv = [hexof(l[12:]) for l in sv if l.startswith('DECRYPT IV: ')]
starts = [n for n, l in enumerate(cl) if l.startswith('ENCRYPT IV: ') and hexof(l[12:]) in recv]
i = starts[0]
block = {}
for l in cl[i:i + 8]:
    m = re.match(r'ENCRYPT (IV|FROM|AD|HMAC|TO): (.*)', l)
    if m and m.group(1) not in block:
        block[m.group(1)] = hexof(m.group(2))
v['iv'], v['plaintext'], v['wire_prefix'] = block['IV'], block['FROM'], block['TO']
if aead:
    v['ad'] = block['AD']
    # The receiver logs tag and ciphertext in full (crypto.c openvpn_decrypt_aead).
    j = next(n for n, l in enumerate(sv) if l.startswith('DECRYPT IV: ') and hexof(l[12:]) == v['iv'])
    v['tag'] = hexof(sv[j + 1].split(': ', 1)[1])
    v['ciphertext'] = hexof(sv[j + 2].split(': ', 1)[1])
else:
    v['hmac'] = block['HMAC']
j = next(n for n, l in enumerate(sv) if l.startswith('DECRYPT IV: ') and hexof(l[12:]) == v['iv'])
v['received_plaintext'] = next(hexof(l.split(': ', 1)[1]) for l in sv[j:j + 8] if l.startswith('DECRYPT TO: '))
print('[%s %s]' % (cipher, auth))
for k, val in v.items():
    print('%s=%s' % (k, val))
print()
PY
}

rm -f "$OUT.tmp"
{
  echo "# Client -> server data packets captured from real openvpn by capture-openvpn.sh (do not edit)."
  echo "# wire_prefix is the start of the packet as openvpn logs it (format_hex truncates at 80 chars)."
  echo
} > "$OUT.tmp"
run AES-256-GCM SHA1 ""
run AES-128-GCM SHA1 ""
run CHACHA20-POLY1305 SHA1 ""
run AES-256-CBC SHA1 ""
run AES-128-CBC SHA256 ""
run AES-256-CBC SHA512 ""
run AES-256-GCM SHA1 "--comp-lzo"
run AES-256-CBC SHA1 "--comp-lzo"
run AES-256-GCM SHA1 "--compress stub-v2"
run AES-256-GCM SHA1 "--compress lz4"
mv "$OUT.tmp" "$OUT"
echo "wrote $OUT"
