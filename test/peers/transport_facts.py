#!/usr/bin/env python3
"""What the kernel says about each transport, in plain socket calls: the facts `playground compare` states.

    transport_facts.py TRANSPORT            the facts, as one JSON object
    transport_facts.py tcp4|tcp6 handshake  one session up to the welcome, for tcpdump to count

Prints one JSON object:
  conn        listen() is allowed (connection-oriented), or fails with EOPNOTSUPP
  clientBinds "automatic" (an inet client has a port after connect() without bind()),
              "never (unnamed)" (a unix stream or seqpacket client has no name),
              "required" (a datagram from an unbound unix socket arrives from nobody: no reply possible)
  reliable    true when what does not fit the receiver is held back (EAGAIN), false when it is dropped
  connectedWithoutAccept  (unix stream, seqpacket) connect() returned with nobody calling accept():
              the kernel completes it, with nothing sent anywhere
"""
import errno
import json
import os
import socket
import sys
import tempfile

FAMILY = {"tcp4": socket.AF_INET, "udp4": socket.AF_INET, "tcp6": socket.AF_INET6, "udp6": socket.AF_INET6}
HOST = {socket.AF_INET: "127.0.0.1", socket.AF_INET6: "::1"}


def kind(name):
    if name.startswith("tcp") or name == "unix-stream":
        return socket.SOCK_STREAM
    if name.startswith("udp") or name == "unix-dgram":
        return socket.SOCK_DGRAM
    return socket.SOCK_SEQPACKET


def family(name):
    return FAMILY.get(name, socket.AF_UNIX)


class Place:
    """Addresses for one run: a port 0 on loopback, or paths in a private temp dir."""

    def __init__(self, name):
        self.family = family(name)
        self.dir = tempfile.mkdtemp(prefix="transport-facts-") if self.family == socket.AF_UNIX else None
        self.count = 0

    def fresh(self):
        if self.dir is None:
            return (HOST[self.family], 0)
        self.count += 1
        return os.path.join(self.dir, f"s{self.count}.sock")

    def close(self):
        if self.dir:
            for f in os.listdir(self.dir):
                os.unlink(os.path.join(self.dir, f))
            os.rmdir(self.dir)


def can_listen(name, place):
    s = socket.socket(family(name), kind(name))
    try:
        s.bind(place.fresh())
        s.listen(1)
        return True
    except OSError as err:
        if err.errno == errno.EOPNOTSUPP:
            return False
        raise
    finally:
        s.close()


def client_binds(name, place):
    fam, typ = family(name), kind(name)
    server = socket.socket(fam, typ)
    server.bind(place.fresh())
    if typ != socket.SOCK_DGRAM:
        server.listen(1)
    client = socket.socket(fam, typ)
    try:
        if fam != socket.AF_UNIX:
            client.connect(server.getsockname())
            return "automatic" if client.getsockname()[1] != 0 else "none"
        if typ != socket.SOCK_DGRAM:
            client.connect(server.getsockname())
            return "never (unnamed)" if client.getsockname() in ("", b"", None) else "named"
        client.sendto(b"hello", server.getsockname())
        _, sender = server.recvfrom(100)
        return "required" if sender in ("", b"", None) else "automatic"
    finally:
        client.close()
        server.close()


def reliable(name, place):
    """Fill a small receive queue without reading: are the extras dropped, or is the sender held back?"""
    fam, typ = family(name), kind(name)
    receiver = socket.socket(fam, typ)
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    receiver.bind(place.fresh())
    accepted = None
    sender = socket.socket(fam, typ)
    try:
        if typ != socket.SOCK_DGRAM:
            receiver.listen(1)
            sender.connect(receiver.getsockname())
            accepted, _ = receiver.accept()
        else:
            sender.connect(receiver.getsockname())
        sender.setblocking(False)
        sent = 0
        held_back = False
        for _ in range(5000):
            try:
                sender.send(b"x" * 512)
                sent += 1
            except BlockingIOError:
                held_back = True
                break
        reader = accepted or receiver
        reader.settimeout(0.2)  # whatever is still on its way arrives well within this on loopback
        got = 0
        while True:
            try:
                data = reader.recv(65536)
            except socket.timeout:
                break
            if not data:
                break
            got += len(data)
        # Reliable: nothing that was accepted by send() is missing.
        return {"reliable": got == sent * 512, "sent": sent, "received": got // 512, "heldBack": held_back}
    finally:
        for s in (sender, accepted, receiver):
            if s:
                s.close()


def unix_connect_without_accept(name, place):
    """A unix connect() completes in the kernel: it returns with nobody calling accept()."""
    server = socket.socket(socket.AF_UNIX, kind(name))
    server.bind(place.fresh())
    server.listen(1)
    client = socket.socket(socket.AF_UNIX, kind(name))
    client.settimeout(2)
    try:
        client.connect(server.getsockname())
        return client.getpeername() == server.getsockname()
    finally:
        client.close()
        server.close()


def handshake(name):
    """For tcpdump: listen on an ephemeral port, say it, wait for "go", then one session up to the welcome."""
    fam = family(name)
    server = socket.socket(fam, socket.SOCK_STREAM)
    server.bind((HOST[fam], 0))
    server.listen(1)
    print(server.getsockname()[1], flush=True)
    sys.stdin.readline()
    client = socket.socket(fam, socket.SOCK_STREAM)
    client.connect(server.getsockname())
    accepted, _ = server.accept()
    accepted.sendall(b"Welcome to the server!")
    welcome = client.recv(1024)
    print(json.dumps({"welcome": welcome.decode()}), flush=True)
    for s in (client, accepted, server):
        s.close()


def main():
    name = sys.argv[1]
    if sys.argv[2:] == ["handshake"]:
        return handshake(name)
    place = Place(name)
    try:
        facts = {
            "conn": can_listen(name, place),
            "clientBinds": client_binds(name, place),
            **reliable(name, place),
        }
        if family(name) == socket.AF_UNIX and kind(name) != socket.SOCK_DGRAM:
            facts["connectedWithoutAccept"] = unix_connect_without_accept(name, place)
        print(json.dumps(facts))
    finally:
        place.close()


if __name__ == "__main__":
    main()
