#!/usr/bin/env python3
"""A TCP listener on 127.0.0.1 that never accepts, its accept queue filled: the kernel drops a new
client's SYN (tcp(7)), so that client's connect() neither completes nor fails until it gives up.

    full_listener.py

It prints its port once the queue is full, and holds everything until killed (at most 60 s).
"""
import socket
import time

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(0)
port = listener.getsockname()[1]
held = []
for _ in range(4):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    held.append(c)
time.sleep(0.3)
print(port, flush=True)
time.sleep(60)
