#!/usr/bin/env python3
"""The classic lab's server, in plain BSD sockets (Python's `socket` module and nothing else).
It serves exactly ONE session, then exits.

    classic_server.py FAMILY TYPE ADDRESS...

FAMILY is inet, inet6 or unix; TYPE is stream, dgram or seqpacket. ADDRESS is HOST PORT for inet
and inet6 (port 0: the kernel picks one, and the line below says which), or PATH for unix, where
@name is a Linux abstract name with its exact length ("\\0name").

Once ready it prints `Server is listening on ADDRESS` (`Server is bound to ADDRESS` for dgram, which
has no listen()). Stream and seqpacket: bind, listen(5), accept, send the welcome, recv(1024), send
the ack, close. Dgram: bind, recvfrom(1024) -> the hello, sendto(welcome), recvfrom(1024) -> the
message, sendto(ack).
"""
import os
import socket
import sys

WELCOME = b"Welcome to the server!"
ACK = b"Message received!"
TIMEOUT = 20.0  # never outlive a test that forgot us

FAMILIES = {"inet": socket.AF_INET, "inet6": socket.AF_INET6, "unix": socket.AF_UNIX}
TYPES = {"stream": socket.SOCK_STREAM, "dgram": socket.SOCK_DGRAM, "seqpacket": socket.SOCK_SEQPACKET}


def usage(problem):
    sys.stderr.write(f"classic_server.py: {problem}\n")
    sys.stderr.write("usage: classic_server.py inet|inet6|unix stream|dgram|seqpacket HOST PORT | PATH\n")
    sys.exit(2)


def parse(argv):
    if len(argv) < 3 or argv[0] not in FAMILIES or argv[1] not in TYPES:
        usage("need a family, a type and an address")
    family, kind = argv[0], argv[1]
    if family == "unix":
        if len(argv) != 3:
            usage("a unix address is one PATH (or @name)")
        text = argv[2]
        return family, kind, "\0" + text[1:] if text.startswith("@") else text
    if len(argv) != 4:
        usage("an inet address is HOST PORT")
    return family, kind, (argv[2], int(argv[3]))


def describe(address):
    if isinstance(address, tuple):
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if isinstance(address, bytes):  # an abstract name comes back as bytes
        address = address.decode(errors="replace")
    if address.startswith("\0"):
        return "@" + address[1:]
    return address or "an unnamed unix socket"


def text(data):
    return data.decode(errors="replace")


def serve_connection(sock):
    sock.listen(5)
    print(f"Server is listening on {describe(sock.getsockname())}", flush=True)
    conn, peer = sock.accept()
    with conn:
        conn.settimeout(TIMEOUT)
        print(f"Connection from {describe(peer)} has been established.", flush=True)
        conn.sendall(WELCOME)
        message = conn.recv(1024)
        print(f"Received from client: {text(message)}", flush=True)
        conn.sendall(ACK)


def serve_datagrams(sock):
    print(f"Server is bound to {describe(sock.getsockname())}", flush=True)
    hello, peer = sock.recvfrom(1024)
    print(f"Datagram from {describe(peer)} opened a session: {text(hello)}", flush=True)
    sock.sendto(WELCOME, peer)
    while True:
        message, sender = sock.recvfrom(1024)
        if sender == peer:
            break
    print(f"Received from client: {text(message)}", flush=True)
    sock.sendto(ACK, peer)


def main():
    family, kind, address = parse(sys.argv[1:])
    sock = socket.socket(FAMILIES[family], TYPES[kind])
    sock.settimeout(TIMEOUT)
    if kind == "stream" and family != "unix":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == "inet6":
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    file = None
    try:
        sock.bind(address)
        if family == "unix" and not address.startswith("\0"):
            file = address  # ours to remove: bind() made it
        if kind == "dgram":
            serve_datagrams(sock)
        else:
            serve_connection(sock)
    except OSError as err:
        sys.stderr.write(f"classic_server.py: {type(err).__name__}: {err}\n")
        return 1
    finally:
        sock.close()
        if file and os.path.exists(file):
            os.unlink(file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
