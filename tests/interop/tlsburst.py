#!/usr/bin/env python3
"""tlsburst.py HOST PORT CAFILE SNI FILE: opens TLS to HOST:PORT (the
server's certificate checked against CAFILE and SNI), writes FILE, and closes
the socket at once, without close_notify: a peer that is gone while the
other side still writes its answers.  Exit status 0 when the bytes were
written."""
import socket
import ssl
import sys


def main():
    host, port, cafile, sni, path = sys.argv[1:6]
    with open(path, "rb") as f:
        data = f.read()
    ctx = ssl.create_default_context(cafile=cafile)
    raw = socket.create_connection((host, int(port)), timeout=5)
    tls = ctx.wrap_socket(raw, server_hostname=sni)
    tls.sendall(data)
    # No unwrap(): the TCP connection ends with a FIN right after the
    # last record, before any answer is read.
    tls.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
