#!/usr/bin/env python3
"""Many clients at once, each holding its connection open, to run a server out of file descriptors.

    fd_flood.py tcp4|tcp6|unix-stream|unix-seqpacket ADDRESS COUNT SECONDS

Opens COUNT connections with plain socket() + connect() (a port for inet, a path for unix), prints
"connected", holds them all open for SECONDS while it notes what each one hears first, and then
prints one JSON object of counts:
  welcome  the lab's welcome arrived
  busy     the server's busy line arrived
  closed   the server closed (EOF) or reset it without a word
  silent   nothing at all before the deadline
  refused  connect() itself failed
Every socket is closed before it exits. It raises its own fd limit to the hard limit, so that it is
the server, not this peer, that runs out.
"""
import json
import resource
import select
import socket
import sys
import time

kind, address, count, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

if kind.startswith("unix"):
    family = socket.AF_UNIX
    stype = socket.SOCK_SEQPACKET if kind == "unix-seqpacket" else socket.SOCK_STREAM
    target = address
else:
    family = socket.AF_INET6 if kind == "tcp6" else socket.AF_INET
    stype = socket.SOCK_STREAM
    host, _, port = address.rpartition(":")
    target = (host.strip("[]"), int(port))

counts = {"welcome": 0, "busy": 0, "closed": 0, "silent": 0, "refused": 0}
waiting = []
for _ in range(count):
    s = socket.socket(family, stype)
    s.settimeout(5)
    try:
        s.connect(target)
    except OSError:
        counts["refused"] += 1
        s.close()
        continue
    s.setblocking(False)
    waiting.append(s)
print("connected", flush=True)

deadline = time.monotonic() + seconds
held = []
poller = select.poll()  # not select(): these fds go past FD_SETSIZE
by_fd = {s.fileno(): s for s in waiting}
for fd in by_fd:
    poller.register(fd, select.POLLIN)
while time.monotonic() < deadline:  # to the end, answered or not: the server is watched meanwhile
    for fd, _ in poller.poll(200):
        s = by_fd.pop(fd)
        poller.unregister(fd)
        try:
            data = s.recv(1024)
        except OSError:
            data = b""
        if data.startswith(b"Welcome"):
            counts["welcome"] += 1
        elif data.startswith(b"busy"):
            counts["busy"] += 1
        else:
            counts["closed"] += 1
        held.append(s)
waiting = list(by_fd.values())
counts["silent"] = len(waiting)
for s in waiting + held:
    s.close()
print(json.dumps(counts), flush=True)
