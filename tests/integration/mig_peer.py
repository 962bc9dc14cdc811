#!/usr/bin/env python3
"""mig_peer.py - a stranger at a live migration's port, and what the stream
starts with, for test_hvd_migrate.

  mig_peer.py plain HOST PORT
      connect from source port 40000, send nothing, wait 3 s: prints
      "closed" when the other end closed it (refused), "open" when it kept
      it (someone took the connection as the migration stream)
  mig_peer.py tls HOST PORT CERT KEY
      the same over TLS, presenting CERT/KEY: prints "no-tls ERROR" when
      the other end does not speak TLS, else "tls closed" or "tls open"
  mig_peer.py head < tcpdump -nn -x output
      the first 4 payload bytes of the first packet carrying data, in hex
      ("5145564d" is QEMU's stream magic "QEVM", "1603" a TLS handshake)
"""
import socket
import ssl
import sys


def connect(host, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", 40000))
    s.settimeout(5)
    s.connect((host, port))
    return s


def wait_closed(s):
    """'closed' when the peer ends the connection within 3 s, else 'open'."""
    s.settimeout(3)
    try:
        while True:
            if not s.recv(4096):
                return "closed"
    except socket.timeout:
        return "open"
    except (OSError, ssl.SSLError):
        return "closed"


def plain(host, port):
    s = connect(host, port)
    print(wait_closed(s))
    s.close()


def tls(host, port, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.load_cert_chain(cert, key)
    s = connect(host, port)
    try:
        t = ctx.wrap_socket(s)
    except (OSError, ssl.SSLError) as e:
        print("no-tls", str(e).replace(" ", "_"))
        s.close()
        return
    print("tls", wait_closed(t))
    t.close()


def head():
    pkt = []
    for line in sys.stdin:
        if line.startswith("\t0x"):
            pkt.extend(line.split(":", 1)[1].split())
            continue
        if payload(pkt):
            break
        pkt = []
    data = payload(pkt)
    print(data[:8] if data else "none")


def payload(words):
    """The TCP payload of an IPv4 packet given as tcpdump's hex words."""
    b = "".join(words)
    if len(b) < 40:
        return ""
    ihl = int(b[1], 16) * 4
    total = int(b[4:8], 16)
    doff = (int(b[2 * ihl + 24], 16)) * 4
    return b[2 * (ihl + doff):2 * total]


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "plain" and len(sys.argv) == 4:
        plain(sys.argv[2], int(sys.argv[3]))
    elif cmd == "tls" and len(sys.argv) == 6:
        tls(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif cmd == "head" and len(sys.argv) == 2:
        head()
    else:
        sys.exit(__doc__)
