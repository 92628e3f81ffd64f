#!/usr/bin/env python3
"""bsphone: drives a baresip phone through its ctrl_tcp module, for
tests/interop/phones.sh.

baresip's ctrl_tcp (netstring-framed JSON) serves one TCP connection at a
time and sends its events only to that one, so one controller per phone
keeps the connection for the phone's whole life: it appends every event and
every command response to a log, one JSON line each, and takes commands
from short-lived clients over a unix socket.

  bsphone.py daemon HOST:PORT LOG SOCK   the controller (until baresip goes)
  bsphone.py cmd SOCK COMMAND [PARAMS]   one command; prints its output;
                                         exit 0 when baresip said ok
  bsphone.py mark LOG                    how many lines LOG has now
  bsphone.py wait LOG FROM SECS TYPE [KEY=VALUE|KEY=~PART ...]
                                         the first event of TYPE after line
                                         FROM whose fields match; exit 1
                                         when none comes within SECS
  bsphone.py count LOG FROM TYPE [...]   how many such events there are

Python's standard library only.
"""
import json
import os
import socket
import sys
import threading
import time


def netstring(obj):
    b = json.dumps(obj).encode()
    return str(len(b)).encode() + b":" + b + b","


def frames(buf):
    """Takes the whole netstrings off the front of bytearray buf."""
    out = []
    while True:
        c = buf.find(b":")
        if c < 0:
            return out
        n = int(buf[:c])
        if len(buf) < c + n + 2:
            return out
        out.append(bytes(buf[c + 1:c + 1 + n]))
        del buf[:c + n + 2]


def daemon(hostport, logfile, sockpath):
    host, port = hostport.rsplit(":", 1)
    deadline = time.time() + 20
    while True:
        try:
            bs = socket.create_connection((host, int(port)), timeout=2)
            break
        except OSError:
            if time.time() > deadline:
                sys.exit("bsphone: cannot connect to %s" % hostport)
            time.sleep(0.05)
    bs.settimeout(None)
    log = open(logfile, "a", buffering=1)
    waiting = {}  # token -> [threading.Event, response]
    lock = threading.Lock()

    def reader():
        buf = bytearray()
        while True:
            try:
                data = bs.recv(65536)
            except OSError:
                data = b""
            if not data:
                log.write(json.dumps({"bsphone": "disconnected"}) + "\n")
                os._exit(0)
            buf += data
            for fr in frames(buf):
                try:
                    obj = json.loads(fr.decode(errors="replace"))
                except ValueError:
                    obj = {"raw": fr.decode(errors="replace")}
                obj["ts"] = round(time.time(), 3)
                log.write(json.dumps(obj) + "\n")
                with lock:
                    w = waiting.get(obj.get("token")) if obj.get("response") else None
                if w:
                    w[1] = obj
                    w[0].set()

    threading.Thread(target=reader, daemon=True).start()
    if os.path.exists(sockpath):
        os.unlink(sockpath)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sockpath)
    srv.listen(8)
    seq = 0
    # One command at a time: baresip 1.0 mishandles several frames in one
    # segment.
    while True:
        c, _ = srv.accept()
        try:
            req = json.loads(c.makefile().readline())
            seq += 1
            tok = "t%d" % seq
            req["token"] = tok
            w = [threading.Event(), None]
            with lock:
                waiting[tok] = w
            bs.sendall(netstring(req))
            if not w[0].wait(10):
                w[1] = {"ok": False, "data": "bsphone: no answer from baresip in 10 s"}
            with lock:
                waiting.pop(tok, None)
            c.sendall((json.dumps(w[1]) + "\n").encode())
        except (OSError, ValueError) as e:
            try:
                c.sendall((json.dumps({"ok": False, "data": str(e)}) + "\n").encode())
            except OSError:
                pass
        finally:
            c.close()


def cmd(sockpath, command, params):
    req = {"command": command}
    if params:
        req["params"] = params
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(sockpath)
    s.sendall((json.dumps(req) + "\n").encode())
    resp = json.loads(s.makefile().readline())
    data = resp.get("data", "")
    sys.stdout.write(data if data.endswith("\n") else data + "\n")
    return 0 if resp.get("ok") else 1


def matches(obj, typ, conds):
    if obj.get("type") != typ:
        return False
    for c in conds:
        k, v = c.split("=", 1)
        got = str(obj.get(k, ""))
        if (v[1:] not in got) if v.startswith("~") else (got != v):
            return False
    return True


def events(logfile, start):
    try:
        with open(logfile) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    out = []
    for ln in lines[start:]:
        try:
            out.append((ln, json.loads(ln)))
        except ValueError:
            pass
    return out


def main(a):
    if len(a) >= 4 and a[0] == "daemon":
        daemon(a[1], a[2], a[3])
    elif len(a) >= 3 and a[0] == "cmd":
        return cmd(a[1], a[2], " ".join(a[3:]))
    elif len(a) == 2 and a[0] == "mark":
        print(len(events(a[1], 0)))
    elif len(a) >= 5 and a[0] == "wait":
        end = time.time() + float(a[3])
        while True:
            for ln, obj in events(a[1], int(a[2])):
                if matches(obj, a[4], a[5:]):
                    print(ln)
                    return 0
            if time.time() > end:
                return 1
            time.sleep(0.05)
    elif len(a) >= 4 and a[0] == "count":
        print(sum(1 for _, o in events(a[1], int(a[2])) if matches(o, a[3], a[4:])))
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
