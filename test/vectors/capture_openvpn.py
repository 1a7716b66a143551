#!/usr/bin/env python3
"""Capture control-channel packets between a real openvpn 2.6 client and server on loopback.

A UDP relay sits between the two and records every datagram (both directions) until the client logs
"Initialization Sequence Completed" or the time limit passes. Only control packets (opcodes 3,4,5,7,8,10,11)
are kept. Keys and certificates are made fresh for each run (openvpn --genkey, openssl) and the key files
are stored in the vector so the tests can unwrap the packets.

usage: capture_openvpn.py OUT.json --wrap tls-auth|tls-crypt|tls-crypt-v2 [--auth SHA1] [--server-dir 0|none]
                          [--client-dir 1|none]
"""
import argparse, json, os, random, socket, subprocess, sys, tempfile, threading, time

def sh(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def make_pki(d):
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/CN=sv-capture-ca", cwd=d)
    for name, eku in (("server", "serverAuth"), ("client", "clientAuth")):
        sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
        with open(os.path.join(d, f"{name}.ext"), "w") as f:
            f.write(f"basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyAgreement\nextendedKeyUsage={eku}\n")
        sh("openssl", "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
           "-out", f"{name}.crt", "-days", "3650", "-extfile", f"{name}.ext", cwd=d)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--wrap", required=True, choices=["tls-auth", "tls-crypt", "tls-crypt-v2"])
    ap.add_argument("--auth", default=None)
    ap.add_argument("--server-dir", default="0")
    ap.add_argument("--client-dir", default="1")
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--v2-keys", nargs=2, metavar=("SERVER_KEY", "CLIENT_KEY"),
                    help="use these tls-crypt-v2 key files (e.g. made by 'sharpvpn genkey') instead of openvpn --genkey")
    a = ap.parse_args()

    d = tempfile.mkdtemp(prefix="svcap")
    make_pki(d)
    keys = {}
    if a.wrap in ("tls-auth", "tls-crypt"):
        sh("openvpn", "--genkey", "secret", "ta.key", cwd=d)
        keys["static_key"] = open(os.path.join(d, "ta.key")).read()
        def dirarg(x):
            return [] if x == "none" or a.wrap == "tls-crypt" else [x]
        server_wrap = [f"--{a.wrap}", "ta.key"] + dirarg(a.server_dir)
        client_wrap = [f"--{a.wrap}", "ta.key"] + dirarg(a.client_dir)
    else:
        if a.v2_keys:
            import shutil
            shutil.copy(a.v2_keys[0], os.path.join(d, "srv.key"))
            shutil.copy(a.v2_keys[1], os.path.join(d, "cli.key"))
        else:
            sh("openvpn", "--genkey", "tls-crypt-v2-server", "srv.key", cwd=d)
            sh("openvpn", "--tls-crypt-v2", "srv.key", "--genkey", "tls-crypt-v2-client", "cli.key", cwd=d)
        keys["server_key"] = open(os.path.join(d, "srv.key")).read()
        keys["client_key"] = open(os.path.join(d, "cli.key")).read()
        server_wrap = ["--tls-crypt-v2", "srv.key"]
        client_wrap = ["--tls-crypt-v2", "cli.key"]
    auth = ["--auth", a.auth] if a.auth else []

    sport = random.randint(40000, 49999)
    rly = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); rly.bind(("127.0.0.1", 0))
    pport = rly.getsockname()[1]
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); up.bind(("127.0.0.1", 0))
    # --mode server needs a tun device; it is named sv..., gets no address (--ifconfig-noexec) and
    # disappears when openvpn exits.
    server_cmd = ["openvpn", "--mode", "server", "--tls-server", "--dev", f"svcap{os.getpid() % 100000}", "--dev-type", "tun",
                  "--ifconfig-noexec",
                  "--topology", "subnet", "--ifconfig", "10.199.0.1", "255.255.255.0",
                  "--ifconfig-pool", "10.199.0.2", "10.199.0.9", "--push", "topology subnet",
                  "--proto", "udp", "--lport", str(sport), "--local", "127.0.0.1",
                  "--ca", "ca.crt", "--cert", "server.crt", "--key", "server.key", "--dh", "none",
                  "--verb", "4"] + server_wrap + auth
    client_cmd = ["openvpn", "--client", "--dev", "null", "--ifconfig-noexec", "--route-noexec", "--nobind",
                  "--remote", "127.0.0.1", str(pport), "--proto", "udp",
                  "--ca", "ca.crt", "--cert", "client.crt", "--key", "client.key", "--verb", "4"] + client_wrap + auth
    packets, lock, stop = [], threading.Lock(), threading.Event()
    client_addr = [None]

    def relay(src, dst_fn, direction):
        src.settimeout(0.2)
        while not stop.is_set():
            try:
                data, addr = src.recvfrom(4096)
            except socket.timeout:
                continue
            if direction == "c2s":
                client_addr[0] = addr
            with lock:
                packets.append({"dir": direction, "t": round(time.monotonic() - t0, 3), "hex": data.hex()})
            dst = dst_fn()
            if dst:
                (up if direction == "c2s" else rly).sendto(data, dst)

    t0 = time.monotonic()
    slog = open(os.path.join(d, "server.log"), "w"); clog = open(os.path.join(d, "client.log"), "w")
    server = subprocess.Popen(server_cmd, cwd=d, stdout=slog, stderr=subprocess.STDOUT)
    client = None
    try:
        time.sleep(0.7)
        threads = [threading.Thread(target=relay, args=(rly, lambda: ("127.0.0.1", sport), "c2s"), daemon=True),
                   threading.Thread(target=relay, args=(up, lambda: client_addr[0], "s2c"), daemon=True)]
        for t in threads: t.start()
        client = subprocess.Popen(client_cmd, cwd=d, stdout=clog, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + a.seconds
        while time.monotonic() < deadline:
            if "Initialization Sequence Completed" in open(os.path.join(d, "client.log")).read():
                time.sleep(0.3)
                break
            time.sleep(0.1)
        stop.set()
    finally:
        for p in (client, server):
            if p:
                p.terminate()
                try: p.wait(3)
                except subprocess.TimeoutExpired: p.kill()
    completed = "Initialization Sequence Completed" in open(os.path.join(d, "client.log")).read()
    control = [p for p in packets if (int(p["hex"][:2], 16) >> 3) in (3, 4, 5, 7, 8, 10, 11)]
    version = subprocess.run(["openvpn", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    out = {
        "produced_by": "test/vectors/capture_openvpn.py " + " ".join(sys.argv[1:]),
        "openvpn_version": version,
        "handshake_completed": completed,
        "server_command": " ".join(server_cmd),
        "client_command": " ".join(client_cmd),
        "wrap": a.wrap, "auth": a.auth or "SHA1",
        "server_direction": a.server_dir, "client_direction": a.client_dir,
        "keys": keys,
        "packets": control,
    }
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"{a.out}: {len(control)} control packets, handshake completed: {completed}, logs in {d}")

if __name__ == "__main__":
    main()
