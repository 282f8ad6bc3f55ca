#!/usr/bin/env python3
"""A server that misbehaves on purpose, for the client's limits: one session, then it exits.

    rogue_server.py MODE stream|seqpacket PATH

It prints "ready" once listening on the unix socket PATH, accepts one client, sends the lab's
welcome, reads its message, and then, by MODE:
  no-close   sends the lab's ack and never closes (it sleeps until killed)
  endless    sends bytes without end and no newline (no ack, no pause, no close)
  huge       sends a 10 MB reply, then closes
  garbage    sends "nope" instead of the ack, then closes
  newline    sends the lab's ack with a line ending ("Message received!\\r\\n"), then closes
"""
import os
import socket
import sys
import time

mode, kind, path = sys.argv[1], sys.argv[2], sys.argv[3]
stype = socket.SOCK_SEQPACKET if kind == "seqpacket" else socket.SOCK_STREAM
server = socket.socket(socket.AF_UNIX, stype)
server.bind(path)
server.listen(1)
print("ready", flush=True)
conn, _ = server.accept()
conn.sendall(b"Welcome to the server!")
conn.recv(1024)
try:
    if mode == "no-close":
        conn.sendall(b"Message received!")
        time.sleep(60)
    elif mode == "endless":
        chunk = b"x" * 4096
        while True:
            conn.sendall(chunk)
    elif mode == "huge":
        conn.sendall(b"y" * (10 * 1024 * 1024) if stype == socket.SOCK_STREAM else b"y" * 65536)
    elif mode == "garbage":
        conn.sendall(b"nope")
    elif mode == "newline":
        conn.sendall(b"Message received!\r\n")
except OSError:
    pass  # the client gave up on us: that is the point
finally:
    conn.close()
    server.close()
    os.unlink(path)
