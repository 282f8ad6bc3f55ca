#!/usr/bin/env python3
"""The classic lab's client, in plain BSD sockets (Python's `socket` module and nothing else).

    classic_client.py FAMILY TYPE ADDRESS... [--padded] [--message TEXT]

FAMILY is inet, inet6 or unix; TYPE is stream, dgram or seqpacket. ADDRESS is HOST PORT for inet
and inet6, or PATH for unix, where @name is a Linux abstract name given with its exact length
("\\0name", as Python, Go and socat write it). With --padded, @name is NUL-padded to the whole
108-byte sun_path instead, as Node's unix-stream (node:net) passes it.

Stream and seqpacket: socket, connect, recv(1024) -> the welcome, sendall(message), recv(1024) ->
the ack, close. Dgram: there is no connect() or accept(): sendto(hello), recvfrom(1024) -> the
welcome, sendto(message), recvfrom(1024) -> the ack. A unix dgram client binds a path of its own
first (in a private temp dir), or the server has no address to answer.
"""
import os
import shutil
import socket
import sys
import tempfile

MESSAGE = "Hello, Server! This is the client."
HELLO = "HELLO classic client"
SUN_PATH_SIZE = 108
TIMEOUT = 5.0

FAMILIES = {"inet": socket.AF_INET, "inet6": socket.AF_INET6, "unix": socket.AF_UNIX}
TYPES = {"stream": socket.SOCK_STREAM, "dgram": socket.SOCK_DGRAM, "seqpacket": socket.SOCK_SEQPACKET}


def usage(problem):
    sys.stderr.write(f"classic_client.py: {problem}\n")
    sys.stderr.write("usage: classic_client.py inet|inet6|unix stream|dgram|seqpacket HOST PORT | PATH"
                     " [--padded] [--message TEXT]\n")
    sys.exit(2)


def parse(argv):
    args = list(argv)
    padded = "--padded" in args
    if padded:
        args.remove("--padded")
    message = MESSAGE
    if "--message" in args:
        i = args.index("--message")
        if i + 1 >= len(args):
            usage("--message needs a value")
        message = args[i + 1]
        del args[i:i + 2]
    if len(args) < 3 or args[0] not in FAMILIES or args[1] not in TYPES:
        usage("need a family, a type and an address")
    family, kind = args[0], args[1]
    if family == "unix":
        if len(args) != 3:
            usage("a unix address is one PATH (or @name)")
        address = unix_address(args[2], padded)
    else:
        if len(args) != 4:
            usage("an inet address is HOST PORT")
        address = (args[2], int(args[3]))
    return family, kind, address, message.encode()


def unix_address(text, padded):
    if not text.startswith("@"):
        return text
    name = "\0" + text[1:]
    return name.ljust(SUN_PATH_SIZE, "\0") if padded else name


def show(data):
    print(f"Received from server: {data.decode()}", flush=True)


def stream_session(sock, address, message):
    sock.connect(address)
    show(sock.recv(1024))
    sock.sendall(message)
    show(sock.recv(1024))


def dgram_session(sock, address, message):
    sock.sendto(HELLO.encode(), address)
    welcome, _ = sock.recvfrom(1024)
    show(welcome)
    sock.sendto(message, address)
    ack, _ = sock.recvfrom(1024)
    show(ack)


def main():
    family, kind, address, message = parse(sys.argv[1:])
    sock = socket.socket(FAMILIES[family], TYPES[kind])
    sock.settimeout(TIMEOUT)  # a lost datagram or a silent server is an error, not a hang
    own_dir = None
    try:
        if kind == "dgram":
            if family == "unix":
                own_dir = tempfile.mkdtemp(prefix="classic-client-")
                sock.bind(os.path.join(own_dir, "client.sock"))
            dgram_session(sock, address, message)
        else:
            stream_session(sock, address, message)
    except OSError as err:
        sys.stderr.write(f"classic_client.py: {type(err).__name__}: {err}\n")
        return 1
    finally:
        sock.close()
        if own_dir:
            shutil.rmtree(own_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
