#!/usr/bin/env python3
# The kernel's own voice for every experiment in src/experiments/: each scenario again, with the plain
# system calls of python3's socket module and nothing of Node, libuv or the playground's addon in between.
#
#   python3 kernel_voice.py EXPERIMENT TRANSPORT [DIR]
#
# prints one JSON line, {"outcome": "...", "evidence": "..."}, the outcome worded as the experiment
# words its own (its `expected` strings and how its run() decides), so that the two can be compared as
# text. DIR is an empty directory for the run's socket files (a temp dir of our own when it is left
# out); every socket opened here is closed and every file made there is unlinked before the program
# exits. Only loopback (127.0.0.1, ::1), ephemeral ports (port 0) and paths in DIR are used.
#
# Standard library only (socket.send_fds and recv_fds: Python 3.9 or later). ctypes is used twice, for calls the socket module will not make: bind() with a
# sockaddr_un longer than sun_path (unix-path-too-long) and connect() with AF_UNSPEC (dgram-disconnect).
import ctypes
import errno
import fcntl
import json
import os
import select
import shutil
import socket
import stat
import struct
import sys
import tempfile
import termios
import threading
import time
import traceback

KINDS = {
    "tcp4": (socket.AF_INET, socket.SOCK_STREAM),
    "tcp6": (socket.AF_INET6, socket.SOCK_STREAM),
    "udp4": (socket.AF_INET, socket.SOCK_DGRAM),
    "udp6": (socket.AF_INET6, socket.SOCK_DGRAM),
    "unix-stream": (socket.AF_UNIX, socket.SOCK_STREAM),
    "unix-dgram": (socket.AF_UNIX, socket.SOCK_DGRAM),
    "unix-seqpacket": (socket.AF_UNIX, socket.SOCK_SEQPACKET),
}
LOOPBACK = {socket.AF_INET: "127.0.0.1", socket.AF_INET6: "::1"}
SO_ACCEPTCONN = getattr(socket, "SO_ACCEPTCONN", 30)

# The st column of /proc/net/tcp and tcp6: include/net/tcp_states.h.
TCP_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN-SENT",
    "03": "SYN-RECV",
    "04": "FIN-WAIT-1",
    "05": "FIN-WAIT-2",
    "06": "TIME-WAIT",
    "07": "CLOSE",
    "08": "CLOSE-WAIT",
    "09": "LAST-ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}


# ---- the run: its sockets, its files, and small helpers ------------------------------------------------


class Run:
    def __init__(self, transport, directory):
        self.transport = transport
        self.family, self.type = KINDS[transport]
        self.dir = directory
        self.sockets = []
        self.files = []

    @property
    def unix(self):
        return self.family == socket.AF_UNIX

    @property
    def datagram(self):
        return self.type == socket.SOCK_DGRAM

    @property
    def connection(self):
        return self.type in (socket.SOCK_STREAM, socket.SOCK_SEQPACKET)

    def socket(self, family=None, type=None):
        """A socket of the transport's kind (or the one asked for), closed when the run ends.

        Blocking, as python leaves it, so that every call is the system call itself: python's own
        timeouts (settimeout) would poll() before each call, and poll() can say "not writable" where
        sendto() would have answered (dgram-too-large's EMSGSIZE). SO_RCVTIMEO and SO_SNDTIMEO, the
        kernel's own timeouts, keep a call that blocks from hanging: it fails with EAGAIN after 2 s.
        """
        s = socket.socket(family or self.family, type or self.type)
        adopt(s)
        self.sockets.append(s)
        return s

    def accept(self, listener):
        s, peer = listener.accept()
        adopt(s)
        self.sockets.append(s)
        return s, peer

    def address(self, name="s"):
        """A fresh address: an ephemeral port on loopback, or a path in the run's directory."""
        if self.unix:
            return self.path(f"{name}.sock")
        return (LOOPBACK[self.family], 0)

    def path(self, name):
        """A path in the run's directory, unlinked when the run ends."""
        path = os.path.join(self.dir, name)
        self.files.append(path)
        return path

    def listener(self, backlog=8, name="server"):
        s = self.socket()
        s.bind(self.address(name))
        s.listen(backlog)
        return s

    def bound(self, name="s"):
        s = self.socket()
        s.bind(self.address(name))
        return s

    def dgram_sender(self, to, name="client"):
        """A datagram client as the playground's transport opens one: a UDP socket connect()ed to the
        server, or a unix one bound to a path of its own (so that it can be answered) that sendto()s."""
        s = self.socket()
        if self.unix:
            s.bind(self.address(name))
            return s, lambda data: s.sendto(data, to)
        s.connect(to)
        return s, lambda data: s.send(data)

    def close(self):
        for s in self.sockets:
            try:
                if s.family in (socket.AF_INET, socket.AF_INET6) and s.type == socket.SOCK_STREAM:
                    # Abortive close for what is left: no FIN handshake and no TIME-WAIT for a socket
                    # whose part in the check is over (time-wait closes its own sockets the usual way).
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        for path in self.files:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


def adopt(s):
    timeout = struct.pack("ll", 2, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeout)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeout)


def ready(s, patience):
    """select() for reading: True when a recv() on `s` would not block (data, EOF or an error)."""
    readable, _, _ = select.select([s], [], [], max(0, patience))
    return bool(readable)


def recv_within(s, patience, size=65536, flags=0):
    """recv() once select() says something is there; None after `patience` seconds of nothing."""
    return s.recv(size, flags | socket.MSG_DONTWAIT) if ready(s, patience) else None


def recvfrom_within(s, patience, size=65536):
    return s.recvfrom(size, socket.MSG_DONTWAIT) if ready(s, patience) else None


def name_of(err):
    if isinstance(err, TimeoutError) and err.errno is None:
        return "timeout"
    return errno.errorcode.get(err.errno, str(err)) if err.errno else str(err)


def attempt(call, *args):
    """"succeeded", or the errno name the call failed with."""
    try:
        call(*args)
        return "succeeded"
    except OSError as err:
        return name_of(err)


def show(addr):
    """An address as the playground prints one: 127.0.0.1:5000, [::1]:5000, /path, @abstract, or ""."""
    if isinstance(addr, tuple):
        host, port = addr[0], addr[1]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if isinstance(addr, bytes):
        addr = addr.decode("latin1")
    if not addr:
        return ""
    return "@" + addr[1:] if addr.startswith("\0") else addr


def port_of(addr):
    return addr[1]


def seen(chunk):
    """A read as the experiments' watch() records one: short ones as JSON text, long ones as a size."""
    return json.dumps(chunk.decode("latin1")) if len(chunk) <= 20 else f"{len(chunk)} B"


def read_until_eof(s, patience=1.0):
    """Every read until EOF (recorded as "EOF"), an error (its errno name), or `patience` of silence."""
    reads = []
    while True:
        try:
            chunk = recv_within(s, patience)
        except OSError as err:
            reads.append(name_of(err))
            return reads
        if chunk is None:
            return reads
        if not chunk:
            reads.append("EOF")
            return reads
        reads.append(seen(chunk))


def datagrams(s, want, patience=0.5, quiet=0.05):
    """Datagrams arriving at `s`, with their senders: wait up to `patience` for `want` of them, then
    `quiet` more for any extra."""
    got = []
    deadline = time.monotonic() + patience
    while True:
        left = (deadline - time.monotonic()) if len(got) < want else quiet
        one = recvfrom_within(s, left) if left > 0 else None
        if one is None:
            return got
        got.append(one)


def wait_for(s, text, patience=0.5):
    """Datagrams arriving at `s` until one reads `text` or `patience` passes."""
    got = []
    deadline = time.monotonic() + patience
    while text not in got:
        data = recv_within(s, deadline - time.monotonic())
        if data is None:
            break
        got.append(data.decode("latin1"))
    return got


def read_proc(path):
    with open(path) as f:
        return f.read()


def tcp_table(v6):
    """(local port, remote port, state) of every TCP socket the kernel lists, TIME-WAIT ones included."""
    rows = []
    for line in read_proc("/proc/net/tcp6" if v6 else "/proc/net/tcp").splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4:
            continue
        local, remote, st = fields[1], fields[2], fields[3]
        rows.append((int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16), TCP_STATES.get(st, st)))
    return rows


def netstat_counter(prefix, name, path="/proc/net/netstat"):
    lines = [line.split() for line in read_proc(path).splitlines() if line.startswith(prefix)]
    if len(lines) < 2 or name not in lines[0]:
        return 0
    return int(lines[1][lines[0].index(name)])


SENDTO = {"x86_64": 44, "aarch64": 206}.get(os.uname().machine)


def in_sendto(tid):
    """Where thread `tid` sleeps, and whether it is asleep in sendto(): its wchan (the kernel function it
    waits in, when this kernel shows it) and the number of the system call it is in."""
    base = f"/proc/self/task/{tid}"
    try:
        wchan = read_proc(f"{base}/wchan").strip()
        call = read_proc(f"{base}/syscall").split()[0]
    except (OSError, IndexError):
        return "gone", False
    number = int(call) if call.lstrip("-").isdigit() else None
    return f"wchan {wchan or '?'}, syscall {call}", wchan == "unix_wait_for_peer" or number == SENDTO


def udp_rcvbuf_errors(v6):
    if v6:
        for line in read_proc("/proc/net/snmp6").splitlines():
            if line.startswith("Udp6RcvbufErrors"):
                return int(line.split()[1])
        return 0
    return netstat_counter("Udp:", "RcvbufErrors", "/proc/net/snmp")


_libc = None


def raw(call_name, s, sockaddr):
    """bind() or connect() through libc with a sockaddr of our own making: "succeeded" or an errno name."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        for fn in (_libc.bind, _libc.connect):
            fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
            fn.restype = ctypes.c_int
    buffer = ctypes.create_string_buffer(sockaddr, len(sockaddr))
    if getattr(_libc, call_name)(s.fileno(), buffer, len(sockaddr)) == 0:
        return "succeeded"
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


def disconnect(s):
    """connect() with sa_family AF_UNSPEC: what Node's socket.disconnect() calls."""
    return raw("connect", s, struct.pack("H", socket.AF_UNSPEC) + bytes(26))


# ---- socket() and its buffers ----------------------------------------------------------------------------


def sockbuf_doubling(r):
    # Checked: what getsockopt() reports after setsockopt(4096) on a socket of the transport's kind, and the
    # cut at net.core.rmem_max (evidence). Not checked: how much the buffer then really holds.
    asked, too_much = 4096, 100_000_000
    s = r.socket()
    if not r.unix:
        s.bind(r.address())  # Node sets both options once bound
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, asked)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, asked)
    rcvbuf = s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    sndbuf = s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, too_much)
    capped = s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    rmem_max = int(read_proc("/proc/sys/net/core/rmem_max"))
    doubled = rcvbuf == 2 * asked and sndbuf == 2 * asked
    return ("doubled" if doubled else f"got {rcvbuf} and {sndbuf} for {asked}"), [
        f"SO_RCVBUF {asked} -> {rcvbuf}, SO_SNDBUF {asked} -> {sndbuf}",
        f"SO_RCVBUF {too_much} -> {capped} (net.core.rmem_max {rmem_max})",
    ]


# ---- bind() --------------------------------------------------------------------------------------------------


def bind_addrinuse(r):
    # Checked: a second bind() of a plain socket (no options) to the address a live socket holds.
    first = r.bound("held")
    if r.connection:
        first.listen(8)
    address = first.getsockname()
    second = r.socket()
    outcome = attempt(second.bind, address)
    evidence = [f"first bound {show(address)}; second bind() there: {outcome}"]
    if not r.unix and r.type == socket.SOCK_STREAM:
        # What Node does: SO_REUSEADDR on every TCP socket it binds; no help against a live listener.
        a, b = r.socket(), r.socket()
        for s in (a, b):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        a.bind(r.address())
        a.listen(8)
        evidence.append(f"with SO_REUSEADDR on both (as Node sets it): {attempt(b.bind, a.getsockname())}")
    return outcome, evidence


def bind_reuseaddr(r):
    # Checked: two sockets with SO_REUSEADDR on the same address; TCP with the first one listening.
    first, second = r.socket(), r.socket()
    for s in (first, second):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    first.bind(r.address())
    address = first.getsockname()
    if r.type == socket.SOCK_STREAM:
        first.listen(8)
        outcome = attempt(second.bind, address)
        if outcome == "succeeded":
            outcome = attempt(second.listen, 8)
        return outcome, [f"listening with SO_REUSEADDR at {show(address)}; a second SO_REUSEADDR socket: {outcome}"]
    bound = attempt(second.bind, address)
    if bound != "succeeded":
        return bound, [f"second bind() to {show(address)}: {bound}"]
    sender = r.socket()
    sender.sendto(b"who gets this?", address)
    readable, _, _ = select.select([first, second], [], [], 0.5)
    receiver = "the first" if first in readable else "the second" if second in readable else "neither"
    return "both bound", [f"both sockets bound {show(address)}; the datagram sent there reached {receiver}"]


def ephemeral_port(r):
    # Checked: the port bind(port 0) gets and the port an unbound socket gets on connect(), against
    # ip_local_port_range.
    low, high = map(int, read_proc("/proc/sys/net/ipv4/ip_local_port_range").split())
    if r.datagram:
        server = r.bound()
        client = r.socket()
        client.connect(server.getsockname())
        bound = server.getsockname()
    else:
        listener = r.listener()
        client = r.socket()
        client.connect(listener.getsockname())
        bound = listener.getsockname()
    ports = [port_of(bound), port_of(client.getsockname())]
    inside = all(low <= port <= high for port in ports)
    return ("in ip_local_port_range" if inside else "outside ip_local_port_range"), [
        f"bind(port 0) got {ports[0]}; connect() got {ports[1]}; ip_local_port_range {low} {high}"
    ]


def unix_path_persists(r):
    # Checked: the file a bound (listening) socket leaves after close(), a bind() there, and one after unlink().
    path = r.path("left.sock")
    s = r.socket()
    s.bind(path)
    if r.connection:
        s.listen(1)
    s.close()
    left = os.path.exists(path) and stat.S_ISSOCK(os.lstat(path).st_mode)

    def bind_or_listen():
        again = r.socket()
        again.bind(path)
        if r.connection:
            again.listen(1)
        again.close()  # the file stays behind again: the run's end unlinks it

    rebind = attempt(bind_or_listen)
    if os.path.exists(path) and rebind != "succeeded":
        os.unlink(path)
    after_unlink = "not needed" if rebind == "succeeded" else attempt(bind_or_listen)
    persists = left and rebind == "EADDRINUSE" and after_unlink == "succeeded"
    return ("file stays, rebind EADDRINUSE" if persists else f"file {'stays' if left else 'gone'}, rebind {rebind}"), [
        f"after close(): {path} {'is still there, a socket file' if left else 'is gone'}",
        f"bind() there: {rebind}; after unlink(): {after_unlink}",
    ]


def unix_path_too_long(r):
    # Checked: what bind() itself answers for the experiment's 120-byte path. python's socket module
    # refuses such a path without a system call ("AF_UNIX path too long"), and so does the playground
    # (ENAMETOOLONG, its own word), so the sockaddr_un is made by hand, with the whole path and its NUL,
    # and given to libc's bind(). For comparison: the path cut to sun_path's 108 bytes, as node:net does.
    length = 120
    path = os.path.join(r.dir, "a" * (length - len(r.dir) - 1))
    whole = struct.pack("H", socket.AF_UNIX) + path.encode() + b"\0"
    outcome = raw("bind", r.socket(), whole)
    evidence = [f"bind() with the {len(path)}-byte path, sockaddr of {len(whole)} bytes: {outcome}"]
    module = attempt(r.socket().bind, path)
    evidence.append(f"python's socket.bind() itself: {module}")
    cut = path.encode()[:108]
    r.files.append(cut.decode())
    truncated = raw("bind", r.socket(), struct.pack("H", socket.AF_UNIX) + cut)
    evidence.append(f"bind() with the path cut to 108 bytes (no NUL): {truncated}")
    return outcome, evidence


# ---- listen() and accept() --------------------------------------------------------------------------------


def listen_backlog_full(r):
    # Checked: four non-blocking connect()s (as Node makes them) to a listener with backlog 1 that never
    # calls accept(), each given 250 ms.
    backlog, clients, patience = 1, 4, 0.25
    listener = r.listener(backlog)
    address = listener.getsockname()
    fates, pending = [], {}
    for i in range(clients):
        c = r.socket()
        c.setblocking(False)
        rc = c.connect_ex(address)
        if rc == 0:
            fates.append("connected")
        elif rc == errno.EINPROGRESS:
            fates.append(None)
            pending[c] = i
        else:
            fates.append(errno.errorcode.get(rc, str(rc)))
    deadline = time.monotonic() + patience
    while pending and time.monotonic() < deadline:
        _, writable, _ = select.select([], list(pending), [], max(0, deadline - time.monotonic()))
        for c in writable:
            err = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            fates[pending.pop(c)] = "connected" if err == 0 else errno.errorcode.get(err, str(err))
    states = []
    if pending and not r.unix:
        table = tcp_table(r.family == socket.AF_INET6)
        for c in pending:
            port = port_of(c.getsockname())
            states += [state for local, remote, state in table if local == port and remote == port_of(address)]
    fates = [fate or "waiting" for fate in fates]
    queued = fates.count("connected")
    rest = sorted({fate for fate in fates if fate != "connected"})
    said = "ignored (SYN-SENT)" if rest == ["waiting"] else " or ".join(rest)
    return ("none connected" if queued == 0 else f"{queued} queued, rest {said}"), [
        f"backlog {backlog}, no accept(); clients: " + ", ".join(f"{i + 1} {f}" for i, f in enumerate(fates)),
        *([f"/proc/net/tcp{'6' if r.family == socket.AF_INET6 else ''}: the waiting clients are {', '.join(states)}"] if states else []),
    ]


def accept_new_socket(r):
    # Checked: each accept() returns a new socket joined to one client (what A sends reaches only A's),
    # not listening (SO_ACCEPTCONN 0), while the listener stays listening (SO_ACCEPTCONN 1) and accepts C.
    labels = ["A", "B", "C"]
    listener = r.listener()
    address = listener.getsockname()
    sessions = []
    for label in labels:
        c = r.socket()
        c.connect(address)
        s, peer = r.accept(listener)
        c.send(label.encode())
        sessions.append((s, peer))
    reads = []
    for s, _ in sessions:
        try:
            data = recv_within(s, 0.5, 100)
            reads.append("nothing" if data is None else data.decode("latin1"))
        except OSError as err:
            reads.append(name_of(err))
    own = reads == labels
    if r.unix:
        apart = True
    else:
        peers = {show(peer) for _, peer in sessions}
        apart = len(peers) == len(labels) and all(port_of(peer) != port_of(address) for _, peer in sessions)
    listening = listener.getsockopt(socket.SOL_SOCKET, SO_ACCEPTCONN)
    accepted = [s.getsockopt(socket.SOL_SOCKET, SO_ACCEPTCONN) for s, _ in sessions]
    fds = {listener.fileno(), *(s.fileno() for s, _ in sessions)}
    new = listening == 1 and accepted == [0, 0, 0] and len(fds) == len(labels) + 1
    outcome = (
        "a new socket each, listener unchanged"
        if own and apart and new
        else f"{'' if own else 'data crossed sockets; '}{'' if apart else 'peers not told apart'}"
        f"{'' if new else '; not a new socket each (SO_ACCEPTCONN)'}"
    )
    return outcome, [
        "; ".join(
            f"session {i + 1}: fd {s.fileno()} <- {show(peer) or '(unnamed peer)'} read {json.dumps(read)}"
            for i, ((s, peer), read) in enumerate(zip(sessions, reads))
        ),
        f"SO_ACCEPTCONN: listener fd {listener.fileno()} {listening}, accepted sockets {accepted}",
    ]


# ---- connect() ------------------------------------------------------------------------------------------


def connect_no_listener(r):
    # Checked: connect() to the port of a listener that has just been closed.
    listener = r.listener()
    address = listener.getsockname()
    listener.close()
    outcome = attempt(r.socket().connect, address)
    return outcome, [f"listener at {show(address)} closed; connect() there: {outcome}"]


def udp_connect_no_listener(r):
    # Checked: whether an unconnected socket hears of the ICMP port unreachable for its datagrams to a dead
    # port (its datagram to itself arrives after, in order), then what a connect()ed socket's recv() says.
    gone = r.bound("gone")
    dead = gone.getsockname()
    gone.close()
    unconnected = r.bound("unconnected")
    unconnected.sendto(b"anyone there?", dead)
    unconnected.sendto(b"anyone there?", dead)
    unconnected.sendto(b"to myself", unconnected.getsockname())
    first, deadline = "silent", time.monotonic() + 0.5
    while True:
        try:
            data = recv_within(unconnected, deadline - time.monotonic(), 100)
        except OSError as err:
            first = name_of(err)
            break
        if data is None or data == b"to myself":
            break
    connected = r.socket()
    connected.connect(dead)
    connected.send(b"anyone there?")
    try:
        data = recv_within(connected, 0.5, 100)
        second = "silent" if data is None else f"read {data!r}"
    except OSError as err:
        second = name_of(err)
    return f"{first}, then {second}", [
        f"unconnected {show(unconnected.getsockname())}: 2 sendto({show(dead)}), then its datagram to itself: {first}",
        f"connected {show(connected.getsockname())} -> {show(dead)}: send(), then recv(): {second}",
    ]


def unix_connect_missing_path(r):
    # Checked: connect() (sendto() from a bound datagram socket) to a path where no file exists.
    path = r.path("nobody.sock")
    if r.datagram:
        sender = r.bound("client")
        outcome = attempt(sender.sendto, b"anyone there?", path)
        return outcome, [f"sendto({path}): {outcome}"]
    outcome = attempt(r.socket().connect, path)
    return outcome, [f"connect({path}): {outcome}"]


def unix_connect_stale_file(r):
    # Checked: connect() (sendto()) to a second name (link(2)) of a socket file whose socket is closed; the
    # first name is unlinked, as the playground's transports do on close.
    path, stale = r.path("gone.sock"), r.path("stale.sock")
    s = r.socket()
    s.bind(path)
    if r.connection:
        s.listen(1)
    os.link(path, stale)
    s.close()
    os.unlink(path)
    if r.datagram:
        outcome = attempt(r.bound("client").sendto, b"anyone there?", stale)
    else:
        outcome = attempt(r.socket().connect, stale)
    kind = "a socket file" if stat.S_ISSOCK(os.lstat(stale).st_mode) else "not a socket file"
    listed = sum(1 for line in read_proc("/proc/net/unix").splitlines() if line.endswith((" " + path, " " + stale)))
    return outcome, [f"{stale}: {kind}; /proc/net/unix lists {listed} socket(s) bound there; connect/sendto: {outcome}"]


def stream_connect_twice(r):
    # Checked: connect() again on a connected socket, up to twice more, until it fails. The first connect()
    # is non-blocking and waited for with select(), as Node makes and waits for it: a TCP socket is then
    # marked connected only at its next connect(), which returns 0. For comparison: a blocking connect().
    listener = r.listener()
    address = listener.getsockname()
    c = r.socket()
    c.setblocking(False)
    first = c.connect_ex(address)
    if first == errno.EINPROGRESS:
        select.select([], [c], [], 2)
        err = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            return f"first connect() {errno.errorcode.get(err)}", []
    elif first != 0:
        return f"first connect() {errno.errorcode.get(first)}", []
    answers = []
    for _ in range(2):
        rc = c.connect_ex(address)
        answers.append("succeeded" if rc == 0 else errno.errorcode.get(rc, str(rc)))
        if rc:
            break
    blocking = r.socket()
    blocking.connect(address)
    again = attempt(blocking.connect, address)
    return ", then ".join(answers), [
        f"non-blocking connect(): {errno.errorcode.get(first, 'returned 0')}; connected; connect() again: {', '.join(answers)}",
        f"a blocking connect(), then connect() again: {again}",
    ]


def udp_connected_filter(r):
    # Checked: a connect()ed socket receives from its peer only, the stranger's datagram is dropped; then a
    # second stranger, connect()ed to the client, sends to it and waits 500 ms: what its recv() says.
    peer, stranger = r.bound("peer"), r.bound("stranger")
    client = r.socket()
    client.connect(peer.getsockname())
    stranger.sendto(b"from the stranger", client.getsockname())
    peer.sendto(b"from the peer", client.getsockname())
    got = wait_for(client, "from the peer")
    from_peer, from_stranger = "from the peer" in got, "from the stranger" in got
    filtered = "only the peer's arrives" if from_peer and not from_stranger else "both arrive" if from_peer else "the peer's is lost"
    connected_stranger = r.socket()
    connected_stranger.connect(client.getsockname())
    connected_stranger.send(b"from a connected stranger")
    try:
        data = recv_within(connected_stranger, 0.5, 100)
        heard = "nothing" if data is None else f"a reply {data!r}"
    except OSError as err:
        heard = name_of(err)
    return f"{filtered}; a connected stranger gets {heard}", [
        f"client {show(client.getsockname())} connected to {show(peer.getsockname())}; received: {got}",
        f"a stranger connect()ed to the client, {show(connected_stranger.getsockname())}: send(), then recv(): {heard}",
    ]


def dgram_reconnect(r):
    # Checked: connect() to A, then connect() straight to B (the kernel needs no disconnect between).
    a, b = r.bound("a"), r.bound("b")
    client = r.socket()
    client.connect(a.getsockname())
    before = client.getsockname()
    again = attempt(client.connect, b.getsockname())
    after = client.getsockname()
    a.sendto(b"from A", after)
    b.sendto(b"from B", after)
    got = wait_for(client, "from B")
    from_a, from_b = "from A" in got, "from B" in got
    return ("only B's arrives" if from_b and not from_a else "both arrive" if from_b else "B's is lost"), [
        f"client {show(before)} connected to A; connect(B) on it: {again}, now {show(after)}; received: {got}"
    ]


def dgram_disconnect(r):
    # Checked: a stranger's datagram while connected, then after connect() with AF_UNSPEC. The client binds a
    # port of its own (nonzero) first, as the experiment does, so that disconnecting keeps it.
    peer, stranger = r.bound("peer"), r.bound("stranger")
    probe = r.socket()
    probe.bind(r.address())
    own = probe.getsockname()[:2]
    probe.close()
    client = r.socket()
    client.bind(own)
    client.connect(peer.getsockname())
    stranger.sendto(b"before", own)
    peer.sendto(b"from the peer", own)
    before = "before" in wait_for(client, "from the peer")
    unspec = disconnect(client)
    stranger.sendto(b"after", own)
    after = "after" in wait_for(client, "after")
    autobound = r.socket()
    autobound.connect(peer.getsockname())
    chosen = autobound.getsockname()
    disconnect(autobound)
    return f"{'received' if before else 'dropped'}, then {'received' if after else 'dropped'}", [
        f"client {show(own)} connected to {show(peer.getsockname())}: the stranger's \"before\" "
        f"{'arrived' if before else 'was dropped'}; connect(AF_UNSPEC) {unspec}; \"after\" {'arrived' if after else 'did not'}",
        f"a socket that connect() bound to {show(chosen)} has port {port_of(autobound.getsockname())} after disconnecting",
    ]


# ---- send() and recv() -------------------------------------------------------------------------------------


def message_boundaries(r):
    # Checked: six send()s in a row, all made before the receiver reads, then the sizes its recv()s return.
    words = [b"hello", b"w", b"o", b"r", b"l", b"d"]
    if r.datagram:
        receiver = r.bound("receiver")
        _, send = r.dgram_sender(receiver.getsockname())
        for word in words:
            send(word)
        sizes = [len(data) for data, _ in datagrams(receiver, len(words))]
    else:
        listener = r.listener()
        client = r.socket()
        client.connect(listener.getsockname())
        server, _ = r.accept(listener)
        for word in words:
            client.send(word)
        client.shutdown(socket.SHUT_WR)
        sizes = []
        while True:
            chunk = recv_within(server, 1)
            if not chunk:
                break
            sizes.append(len(chunk))
    sent = [len(word) for word in words]
    outcome = "kept" if sizes == sent else "merged" if len(sizes) < len(sent) else "split"
    return outcome, [f"sent {'+'.join(map(str, sent))} bytes in {len(sent)} send()s; recv() returned {'+'.join(map(str, sizes))}"]


def lab_rule_prefix(r):
    # Checked: the kernel part, recv(2)'s "return any data available ... rather than waiting for the full
    # amount": a reader blocked in recv(1024) while the client sends "Hello, ", waits 50 ms, and sends
    # "Server!\n". (The experiment also checks what playground's server acks; that is the playground's.)
    pieces = [b"Hello, ", b"Server!\n"]
    listener = r.listener()
    client = r.socket()
    client.connect(listener.getsockname())
    server, _ = r.accept(listener)
    reads = []

    def serve():
        try:
            while True:
                chunk = server.recv(1024)
                if not chunk:
                    return
                reads.append(chunk)
        except OSError as err:
            reads.append(name_of(err).encode())

    reader = threading.Thread(target=serve)
    reader.start()
    time.sleep(0.05)  # the reader is in recv() before anything is sent
    for i, piece in enumerate(pieces):
        if i:
            time.sleep(0.05)
        client.send(piece)
    client.shutdown(socket.SHUT_WR)
    reader.join(3)
    quoted = " + ".join(json.dumps(chunk.decode("latin1")) for chunk in reads) or "nothing"
    return ("a message in two pieces: two recv()s" if len(reads) >= 2 else f"one recv() of {quoted}"), [
        f"recv(1024) returned {quoted}"
    ]


def zero_length_message(r):
    # Checked: send() of 0 bytes and then "after"; what the receiver's recv()s return, in order. A 0 from
    # recv() on a connection is told apart from end-of-file by reading on: after a real EOF nothing more
    # comes, after an empty seqpacket record the next record does. That case has no word in the
    # experiment's vocabulary, so it is said as "empty record delivered".
    after = b"after"
    if r.datagram:
        receiver = r.bound("receiver")
        _, send = r.dgram_sender(receiver.getsockname())
        send(b"")
        send(after)
        reads = [data for data, _ in datagrams(receiver, 2, patience=0.1)]
        outcome = (
            "empty datagram delivered" if reads and len(reads[0]) == 0 else "nothing arrives" if reads else "nothing at all"
        )
        return outcome, [f"the receiver got {', '.join(f'{len(d)} B' for d in reads) or 'nothing'}"]
    listener = r.listener()
    client = r.socket()
    client.connect(listener.getsockname())
    server, _ = r.accept(listener)
    sent = [client.send(b""), client.send(after)]
    reads = []
    for _ in range(3):
        data = recv_within(server, 0.1, 100)
        if data is None:
            break
        reads.append(data)
        if data == after:
            break
    said = ", ".join(f"{len(d)} B {json.dumps(d.decode())}" for d in reads) or "nothing"
    if not reads:
        outcome = "nothing at all"
    elif reads[0] == after:
        outcome = "nothing arrives"
    elif reads[0] == b"":
        outcome = "empty record delivered" if after in reads[1:] else "read as EOF"
    else:
        outcome = f"read {json.dumps(reads[0].decode('latin1'))}"
    return outcome, [f"send() returned {sent}; the receiver's recv()s returned {said}"]


def dgram_too_large(r):
    # Checked: the largest message the socket carries, then one byte more: UDP 65,507 (IPv4) or 65,527
    # (IPv6) bytes; unix the sender's own SO_SNDBUF less 32 bytes (unix(7)), read from the socket.
    if r.datagram and not r.unix:
        limit = 65_507 if r.family == socket.AF_INET else 65_527
        receiver = r.bound("receiver")
        sender, send = r.dgram_sender(receiver.getsockname())
    elif r.datagram:
        receiver = r.bound("receiver")
        sender, send = r.dgram_sender(receiver.getsockname())
        limit = sender.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) - 32
    else:
        listener = r.listener()
        sender = r.socket()
        sender.connect(listener.getsockname())
        receiver, _ = r.accept(listener)
        send = sender.send
        limit = sender.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) - 32

    def send_size(size):
        try:
            send(b"x" * size)
            return "sent"
        except OSError as err:
            return name_of(err)

    fits = send_size(limit)
    over = send_size(limit + 1)
    try:
        data = recv_within(receiver, 0.5, limit + 100)
        got = "nothing" if data is None else f"{len(data)} B"
    except OSError as err:
        got = name_of(err)
    evidence = [f"{limit} B: {fits} (received as {got}); {limit + 1} B: {over}"]
    if r.type == socket.SOCK_SEQPACKET:
        still = send_size(5)
        data = recv_within(receiver, 0.5, 100)
        evidence.append(f"the connection after the refusal: a 5 B send() {still}, read as {len(data or b'')} B")
    return (over if fits == "sent" else f"{limit} B refused: {fits}"), evidence


def recv_buffer_short(r):
    # Checked: recvmsg() with a 4-byte buffer for a 10-byte message, its MSG_TRUNC flag, and what the next
    # recvmsg() gets. (Node's part, how much of a big message it delivers, is not the kernel's.)
    first, second, short = b"abcdefghij", b"KLM", 4
    if r.datagram:
        reader = r.bound("peer")
        _, send = r.dgram_sender(reader.getsockname())
    else:
        listener = r.listener(name="peer")
        client = r.socket()
        client.connect(listener.getsockname())
        reader, _ = r.accept(listener)
        send = client.send
    send(first)
    send(second)
    ready(reader, 1)
    data, _, flags, _ = reader.recvmsg(short, 0, socket.MSG_DONTWAIT)
    truncated = bool(flags & socket.MSG_TRUNC)
    ready(reader, 1)
    following, _, _, _ = reader.recvmsg(65536, 0, socket.MSG_DONTWAIT)
    send(first)
    ready(reader, 1)
    length = reader.recv_into(bytearray(short), short, socket.MSG_TRUNC | socket.MSG_DONTWAIT)
    ok = len(data) == short and truncated and following == second
    outcome = (
        "excess discarded, MSG_TRUNC"
        if ok
        else f'read "{data.decode()}"{", MSG_TRUNC" if truncated else ""}, then "{following.decode()}"'
    )
    return outcome, [
        f'recvmsg({short}): "{data.decode()}" of "{first.decode()}", MSG_TRUNC {"set" if truncated else "not set"}; '
        f'the next recvmsg() got "{following.decode()}"',
        f"recv(MSG_TRUNC) into {short} bytes returned {length}, the message's real length",
    ]


def unconnected_many_peers(r):
    # Checked: one bound, unconnected socket sendto()s two peers that answer whoever wrote; recvfrom() says
    # which peer each reply came from.
    labels = ["A", "B"]
    peers = [r.bound(label.lower()) for label in labels]
    one = r.bound("one")
    for label, peer in zip(labels, peers):
        one.sendto(f"hello {label}".encode(), peer.getsockname())
        data, sender = recvfrom_within(peer, 0.5, 100) or (b"", None)
        if sender is None:
            continue
        peer.sendto(f'{label} got "{data.decode()}"'.encode(), sender)
    replies = [(data.decode(), show(sender)) for data, sender in datagrams(one, len(peers))]
    from_its_peer = all(
        any(frm == show(peer.getsockname()) and text.startswith(f"{label} got") for text, frm in replies)
        for label, peer in zip(labels, peers)
    )
    outcome = (
        "both replies, each from its peer"
        if len(replies) == len(peers) and from_its_peer
        else f"{len(replies)} of {len(peers)} replies{'' if from_its_peer else ', senders mixed up'}"
    )
    return outcome, [
        f"one socket at {show(one.getsockname())} sent to {' and '.join(show(p.getsockname()) for p in peers)}",
        *(f"recvfrom(): '{text}' from {frm or '(unnamed)'}" for text, frm in replies),
    ]


def udp_drop_full_rcvbuf(r):
    # Checked: 200 datagrams of 500 B sent to a receiver with SO_RCVBUF 4096 that reads only afterwards;
    # the sender's send()s may wait (a timeout, as libuv waits), never fail silently on our side.
    rcvbuf_asked, count, size = 4096, 200, 500
    receiver = r.socket()
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf_asked)
    receiver.bind(r.address())
    rcvbuf = receiver.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    sender, send = r.dgram_sender(receiver.getsockname())
    v6 = r.family == socket.AF_INET6
    before = udp_rcvbuf_errors(v6)
    results = []
    for i in range(count):
        data = f"#{i + 1} ".encode().ljust(size, b"u")
        try:
            send(data)
            results.append("sent")
        except OSError as err:
            results.append(name_of(err))
    arrived = [int(data.split(b" ")[0][1:]) for data, _ in datagrams(receiver, count, patience=0.05)]
    after = udp_rcvbuf_errors(v6)
    failed = sorted({result for result in results if result != "sent"})
    outcome = (
        f"sender saw {', '.join(failed)}"
        if failed
        else "dropped, sender saw no error" if len(arrived) < count else "all arrived"
    )
    return outcome, [
        f"SO_RCVBUF {rcvbuf_asked} asked, {rcvbuf} given; {results.count('sent')} of {count} sends succeeded; "
        f"{len(arrived)} arrived (#{arrived[0] if arrived else '-'}..#{arrived[-1] if arrived else '-'})",
        f"{'Udp6' if v6 else 'Udp'} RcvbufErrors went up by {after - before} (it counts every socket here)",
    ]


def unix_dgram_queue_full(r):
    # Checked: blocking sendto()s (SO_SNDTIMEO 2 s, so that none can hang) of max_dgram_qlen + 20 numbered
    # datagrams, from a thread, to a receiver that reads nothing until the kernel has put the sender to
    # sleep inside sendto() (/proc/self/task/TID: wchan unix_wait_for_peer, or the syscall it is in); how
    # many sends got through before that, and whether every datagram arrived, in order, once it read.
    qlen = int(read_proc("/proc/sys/net/unix/max_dgram_qlen"))
    count = qlen + 20
    receiver = r.bound("receiver")
    to = receiver.getsockname()
    sender = r.socket()  # blocking: SO_SNDTIMEO (2 s) ends a wait that would never end
    sender.bind(r.address("client"))
    arrived, results, tid = [], [], []

    def send_all():
        tid.append(threading.get_native_id())
        for i in range(count):
            try:
                sender.sendto(str(i + 1).encode(), to)
                results.append("sent")
            except OSError as err:
                results.append(name_of(err))
                return

    thread = threading.Thread(target=send_all)
    thread.start()
    where, blocked, deadline = "never seen", False, time.monotonic() + 1.5
    while thread.is_alive() and not blocked and time.monotonic() < deadline:
        time.sleep(0.01)
        if tid:
            where, blocked = in_sendto(tid[0])
    progress = len(results)
    time.sleep(0.05)  # and it stays there while nobody reads
    blocked = blocked and len(results) == progress and in_sendto(tid[0])[1]
    deadline = time.monotonic() + 3
    while len(arrived) < count:
        data = recv_within(receiver, deadline - time.monotonic(), 100)
        if data is None:
            break
        arrived.append(int(data))
    thread.join(3)
    at_once = progress
    in_order = arrived == list(range(1, len(arrived) + 1))
    failed = sorted({result for result in results if result != "sent"})
    if failed:
        outcome = f"sender saw {', '.join(failed)}"
    elif blocked and at_once < count and len(arrived) == count and in_order:
        outcome = "sender waited, none lost"
    else:
        outcome = f"{at_once} sent at once, {len(arrived)} of {count} arrived{'' if in_order else ' out of order'}"
    return outcome, [
        f"net.unix.max_dgram_qlen {qlen}; {at_once} sendto()s returned before the receiver read anything; "
        f"then the sender {'slept in sendto()' if blocked else 'was not seen waiting in sendto()'} ({where}); "
        f"in all {results.count('sent')} of {count} sendto()s returned, the rest once the receiver read",
        f"{len(arrived)} of {count} arrived{', in order' if in_order else ': ' + ','.join(map(str, arrived))}",
    ]


def unbound_unix_dgram_sender(r):
    # Checked: the sender address recvfrom() gives for a datagram from a socket that never called bind(), and
    # whether sendto() gave the sender a name (getsockname()).
    receiver = r.bound("receiver")
    sender = r.socket()
    sender.sendto(b"who am I?", receiver.getsockname())
    got = recvfrom_within(receiver, 0.5, 100)
    if got is None:
        return "nothing arrives", []
    data, frm = got
    # python gives None when recvfrom()'s address length is 0, "" when it is sizeof(sa_family_t): both
    # are an unnamed sender, said "" as the playground says it.
    name = show(frm)
    reply = attempt(receiver.sendto, b"reply", frm) if isinstance(frm, (str, bytes)) else "nothing to send to"
    length = "0 (no address at all)" if frm is None else "sizeof(sa_family_t)" if frm == "" else "a name"
    return f"arrives from {json.dumps(name)}", [
        f"received {data.decode()!r}; recvfrom()'s sender address: {frm!r}, length {length}",
        f"the sender's getsockname() after sendto(): {sender.getsockname()!r} (not autobound); a reply: {reply}",
    ]


# ---- shutdown() and close() -----------------------------------------------------------------------------


def half_close(r):
    # Checked: the client sends "request" and shutdown(SHUT_WR)s; the server reads it and EOF, then sends
    # "reply" and shuts down its side; what the client reads.
    listener = r.listener()
    client = r.socket()
    client.connect(listener.getsockname())
    server, _ = r.accept(listener)
    client.send(b"request")
    client.shutdown(socket.SHUT_WR)
    server_saw = read_until_eof(server)
    if server_saw[-1] == "EOF":
        server.send(b"reply")
        server.shutdown(socket.SHUT_WR)
    client_saw = read_until_eof(client)
    delivered = server_saw == ['"request"', "EOF"] and client_saw == ['"reply"', "EOF"]
    return ("reply delivered after EOF" if delivered else f"client read {', '.join(client_saw) or 'nothing'}"), [
        f"the server read {', '.join(server_saw)}; the client then read {', '.join(client_saw)}"
    ]


def close_unread_rst(r):
    # Checked: the peer close()s with the client's data unread (it waits with MSG_PEEK until it is there);
    # what the client's next recv() says. For comparison: a peer that reads first.
    data = b"never read"
    listener = r.listener()
    address = listener.getsockname()

    def session(read_first):
        client = r.socket()
        client.connect(address)
        client.send(data)
        peer, _ = r.accept(listener)
        if read_first:
            peer.recv(65536)
        else:
            peer.recv(1, socket.MSG_PEEK)
        queued = struct.unpack("i", fcntl.ioctl(peer, termios.FIONREAD, bytes(4)))[0]
        peer.close()
        try:
            got = recv_within(client, 1, 100)
            said = "no error" if not got else f"read {len(got)} B"
        except OSError as err:
            said = name_of(err)
        return queued, said

    queued, outcome = session(False)
    drained_queued, drained = session(True)
    return outcome, [
        f"the peer closed with {queued} B unread (FIONREAD): the client's recv(): {outcome}",
        f"a peer that read first ({drained_queued} B left) and closed: the client's recv(): {drained}",
    ]


def write_after_peer_close(r):
    # Checked: the server close()s; the client reads EOF, then send()s (MSG_NOSIGNAL) up to four times, 10 ms
    # apart, until one fails.
    listener = r.listener()
    client = r.socket()
    client.connect(listener.getsockname())
    server, _ = r.accept(listener)
    server.close()
    try:
        if recv_within(client, 1, 100) != b"":
            return "no EOF from the closed peer", []
    except OSError as err:
        return f"no EOF from the closed peer ({name_of(err)})", []
    results = []
    for i in range(1, 5):
        try:
            client.send(f"write {i}".encode(), socket.MSG_NOSIGNAL)
            results.append(f"write {i}: sent")
        except OSError as err:
            results.append(f"write {i}: {name_of(err)}")
            return f"{name_of(err)} at write {i}", ["; ".join(results)]
        time.sleep(0.01)
    return "all 4 writes sent", ["; ".join(results)]


def time_wait(r):
    # Checked: the client shutdown(SHUT_WR)s first, the server reads EOF and shuts down its side, both
    # close(); then /proc/net/tcp(6) for the client's and the server's side of the connection. With the
    # machine's TIME-WAIT table full (TcpExt TCPTimeWaitOverflow), the kernel keeps none: said as the
    # experiment says it.
    listener = r.listener()
    client = r.socket()
    client.connect(listener.getsockname())
    server, _ = r.accept(listener)
    client_port, server_port = port_of(client.getsockname()), port_of(listener.getsockname())
    overflows = netstat_counter("TcpExt:", "TCPTimeWaitOverflow")
    client.shutdown(socket.SHUT_WR)
    server_saw = read_until_eof(server)
    server.shutdown(socket.SHUT_WR)
    client_saw = read_until_eof(client)
    client.close()
    server.close()
    r.sockets.remove(client)
    v6 = r.family == socket.AF_INET6

    def sides():
        table = tcp_table(v6)
        mine = [s for local, remote, s in table if local == client_port and remote == server_port]
        theirs = [s for local, remote, s in table if local == server_port and remote == client_port]
        return (mine[0] if mine else None), (theirs[0] if theirs else None)

    client_side, server_side = sides()
    for _ in range(20):
        if client_side == "TIME-WAIT":
            break
        time.sleep(0.025)
        client_side, server_side = sides()
    overflowed = netstat_counter("TcpExt:", "TCPTimeWaitOverflow") - overflows
    client_state = (
        "no TIME-WAIT (the kernel's table was full)" if not client_side and overflowed > 0 else f"in {client_side or 'gone'}"
    )
    return f"client {client_state}, server {'in ' + server_side if server_side else 'gone'}", [
        f"the server read {', '.join(server_saw)}; the client read {', '.join(client_saw)}",
        f"/proc/net/tcp{'6' if v6 else ''}: client side (port {client_port}) {client_side or 'gone'}; "
        f"server side (port {server_port}) {server_side or 'gone'}; TCPTimeWaitOverflow +{overflowed}",
    ]


# ---- names and families ------------------------------------------------------------------------------------


def abstract_name(r):
    # Checked: listening on an abstract name (a NUL and a unique word, given at its exact length, where Node
    # pads it with NULs to 108 bytes: both are abstract names) makes no file; connect() after close().
    word = os.path.basename(r.dir)
    name = "\0" + word
    listener = r.socket()
    listener.bind(name)
    listener.listen(1)
    files = os.path.exists(word) or len(os.listdir(r.dir)) > 0
    entry = next((line for line in read_proc("/proc/net/unix").splitlines() if line.endswith(" @" + word)), None)
    listener.close()
    after = attempt(r.socket().connect, name)
    return f"{'a file' if files else 'no file'}; {after} after close", [
        f"/proc/net/unix: {entry}" if entry else f"/proc/net/unix has no line for @{word}",
        f"connect() after close(): {after}",
    ]


MAPPED_LOOPBACK = "::ffff:127.0.0.1"


def ipv6_dual_stack(r):
    # Checked, on loopback only: the experiment binds :: (every address), which these checks may not, so the
    # IPv6 socket (IPV6_V6ONLY off) is bound to the IPv4 loopback as IPv6 writes it, ::ffff:127.0.0.1. The
    # claim's kernel part is checked: an IPv4 peer (127.0.0.1) reaching an IPv6 socket is seen with its
    # address mapped to IPv6. Evidence: the port space is shared (an IPv4 bind() of that port is refused).
    s6 = r.socket(socket.AF_INET6)
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s6.bind((MAPPED_LOOPBACK, 0))
    port = port_of(s6.getsockname())
    v4 = r.socket(socket.AF_INET)
    if r.type == socket.SOCK_STREAM:
        s6.listen(1)
        v4.connect(("127.0.0.1", port))
        conn, peer = s6.accept()
        r.sockets.append(conn)
    else:
        v4.sendto(b"over IPv4", ("127.0.0.1", port))
        _, peer = recvfrom_within(s6, 0.5, 100) or (b"", ("nothing arrived", 0))
    shared = attempt(r.socket(socket.AF_INET).bind, ("127.0.0.1", port))
    sysctl = read_proc("/proc/sys/net/ipv6/bindv6only").strip()
    return f"IPv4 peer seen as {peer[0]}", [
        f"bindv6only {sysctl}; the IPv6 socket is bound to {show(s6.getsockname())}; the IPv4 peer there: {show(peer)}",
        f"an IPv4 bind() of 127.0.0.1:{port}: {shared}",
    ]


def ipv6_only(r):
    # Checked, on loopback only: the experiment binds :: with IPV6_V6ONLY on, which these checks may not, so
    # the V6ONLY socket is first asked to take the IPv4 loopback (::ffff:127.0.0.1). The kernel refuses it any
    # IPv4 address, so it is bound to ::1 instead, and the IPv4 peer's connect()/datagram to 127.0.0.1 on its
    # port is what is reported. Were the mapped bind() allowed, the IPv4 peer would be sent there, and would
    # get through. For comparison: the IPv6 peer (::1), and the same socket with IPV6_V6ONLY off.
    def v6only_socket(on):
        s = r.socket(socket.AF_INET6)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if on else 0)
        return s

    s6 = v6only_socket(True)
    mapped = attempt(s6.bind, (MAPPED_LOOPBACK, 0))
    if mapped != "succeeded":
        s6 = v6only_socket(True)
        s6.bind(("::1", 0))
    port = port_of(s6.getsockname())
    control = v6only_socket(False)
    control.bind((MAPPED_LOOPBACK, 0))
    evidence = [f"bind() of an IPV6_V6ONLY socket to {MAPPED_LOOPBACK}: {mapped}; it is bound to {show(s6.getsockname())}"]
    if r.type == socket.SOCK_STREAM:
        s6.listen(8)
        control.listen(8)
        over_ipv4 = attempt(r.socket(socket.AF_INET).connect, ("127.0.0.1", port))
        over_ipv6 = attempt(r.socket(socket.AF_INET6).connect, ("::1", port)) if mapped != "succeeded" else "-"
        off = attempt(r.socket(socket.AF_INET).connect, ("127.0.0.1", port_of(control.getsockname())))
        evidence.append(f"connect() over IPv4: {over_ipv4}; over IPv6 (::1): {over_ipv6}; to the V6ONLY-off socket over IPv4: {off}")
        return over_ipv4, evidence

    def over(family, host, receiver, text):
        sender = r.socket(family)
        sender.connect((host, port_of(receiver.getsockname())))
        sender.send(text)
        readable, _, _ = select.select([receiver, sender], [], [], 0.5)
        if receiver in readable and receiver.recv(100) == text:
            return "arrives"
        if sender in readable:
            return f"does not arrive (sender: {attempt(sender.recv, 100)})"
        return "does not arrive"

    over_ipv4 = over(socket.AF_INET, "127.0.0.1", s6, b"over IPv4")
    over_ipv6 = over(socket.AF_INET6, "::1", s6, b"over IPv6") if mapped != "succeeded" else "-"
    off = over(socket.AF_INET, "127.0.0.1", control, b"over IPv4")
    evidence.append(f"a datagram over IPv4 {over_ipv4}; over IPv6 (::1) it {over_ipv6}; to the V6ONLY-off socket over IPv4 it {off}")
    return ("does not arrive" if over_ipv4.startswith("does not arrive") else over_ipv4), evidence


# ---- what only a unix socket carries ---------------------------------------------------------------------

UCRED = struct.Struct("iII")  # struct ucred: pid_t pid, uid_t uid, gid_t gid
PEERS_OWN = "pid, uid, gid of the peer"


def credentials_outcome(kernel, peer):
    """PEERS_OWN when the kernel's (pid, uid, gid) are the peer's, else what differs, as the experiment says it."""
    if kernel is None:
        return "no credentials"
    wrong = [f"{field} {k}, not the peer's {p}" for field, k, p in zip(("pid", "uid", "gid"), kernel, peer) if k != p]
    return "; ".join(wrong) if wrong else PEERS_OWN


def scm_credentials(ancillary):
    return next((UCRED.unpack(data[: UCRED.size]) for level, kind, data in ancillary
                 if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS), None)


def peer_credentials(r):
    # Checked: a forked child, another process whose pid fork() gave us, connect()s (stream, seqpacket) or sends a
    # plain datagram and one claiming its own credentials to a receiver with SO_PASSCRED (dgram); SO_PEERCRED on
    # the accepted socket, or each datagram's SCM_CREDENTIALS, against the child's pid and uid and gid (a fork
    # keeps ours). The child stays until the server has asked, on a pipe.
    path = r.address("server")
    server = r.socket()
    server.bind(path)
    if r.datagram:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    else:
        server.listen(1)
    done_read, done_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(done_write)
            s = socket.socket(r.family, r.type)
            if r.datagram:
                s.sendto(b"plain", path)
                own = UCRED.pack(os.getpid(), os.getuid(), os.getgid())
                s.sendmsg([b"own"], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, own)], 0, path)
            else:
                s.connect(path)
            os.read(done_read, 1)
        finally:
            os._exit(0)
    os.close(done_read)
    peer = (pid, os.getuid(), os.getgid())
    try:
        if r.datagram:
            got = []
            for _ in range(2):
                ready(server, 1)
                data, ancillary, _, _ = server.recvmsg(64, socket.CMSG_SPACE(UCRED.size), socket.MSG_DONTWAIT)
                got.append((data.decode(), scm_credentials(ancillary)))
            outcomes = [credentials_outcome(cred, peer) for _, cred in got]
            evidence = [f"{text!r}: SCM_CREDENTIALS {cred}" for text, cred in got]
        else:
            conn, _ = r.accept(server)
            cred = UCRED.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, UCRED.size))
            outcomes = [credentials_outcome(cred, peer)]
            evidence = [f"SO_PEERCRED on the accepted socket: {cred}"]
    finally:
        os.close(done_write)
        os.waitpid(pid, 0)
    return next((o for o in outcomes if o != PEERS_OWN), PEERS_OWN), [f"the forked peer: pid, uid, gid {peer}", *evidence]


SAME_OPEN_FILE = "same open file, shared offset"


def fd_passing(r):
    # Checked: a file opened, written, read in part and unlinked; its descriptor sent with socket.send_fds()
    # (SCM_RIGHTS) and received with socket.recv_fds(): the new descriptor's st_dev and st_ino, what a read()
    # on it gets, and the sender's offset afterwards. One process is both ends: the kernel installs a new
    # descriptor in the receiver all the same.
    line, head = b"only a descriptor leads to this line: its file is unlinked\n", 17
    path = r.address("server")
    if r.datagram:
        receiver = r.bound("server")
    else:
        listener = r.listener(name="server")
    sender = r.socket()
    sender.connect(path)  # send_fds() drops an address argument (Python 3.11): a datagram sender connect()s too
    receiver = receiver if r.datagram else r.accept(listener)[0]
    file = r.path("passed-file.txt")
    fd = os.open(file, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, line)
        os.lseek(fd, 0, os.SEEK_SET)
        read = os.read(fd, head)
        os.unlink(file)
        socket.send_fds(sender, [b"a file for you"], [fd])
        ready(receiver, 1)
        _, fds, _, _ = socket.recv_fds(receiver, 64, 4)
        if not fds:
            return "a message, but no descriptor", []
        try:
            mine, theirs = os.fstat(fd), os.fstat(fds[0])
            rest = os.read(fds[0], 2 * len(line))
        finally:
            for each in fds:
                os.close(each)
        offset = os.lseek(fd, 0, os.SEEK_CUR)
    finally:
        os.close(fd)
    same = (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino)
    if not same:
        outcome = f"another file (inode {theirs.st_ino}, the sender's {mine.st_ino})"
    elif read + rest != line:
        outcome = f"the same file, read from elsewhere: {json.dumps(rest.decode())}"
    elif offset != len(line):
        outcome = f"offset not shared (sender at {offset})"
    else:
        outcome = SAME_OPEN_FILE
    return outcome, [
        f"sent fd {fd} (inode {mine.st_ino}, read {read!r}, then unlinked); received fd {fds[0]} (inode {theirs.st_ino}, "
        f"{theirs.st_nlink} links)",
        f"read() on the received fd: {rest!r}; the sender's offset afterwards: {offset} of {len(line)}",
    ]


CHECKS = {
    "sockbuf-doubling": sockbuf_doubling,
    "bind-addrinuse": bind_addrinuse,
    "bind-reuseaddr": bind_reuseaddr,
    "ephemeral-port": ephemeral_port,
    "unix-path-persists": unix_path_persists,
    "unix-path-too-long": unix_path_too_long,
    "listen-backlog-full": listen_backlog_full,
    "accept-new-socket": accept_new_socket,
    "connect-no-listener": connect_no_listener,
    "udp-connect-no-listener": udp_connect_no_listener,
    "unix-connect-missing-path": unix_connect_missing_path,
    "unix-connect-stale-file": unix_connect_stale_file,
    "stream-connect-twice": stream_connect_twice,
    "udp-connected-filter": udp_connected_filter,
    "dgram-reconnect": dgram_reconnect,
    "dgram-disconnect": dgram_disconnect,
    "message-boundaries": message_boundaries,
    "lab-rule-prefix": lab_rule_prefix,
    "zero-length-message": zero_length_message,
    "dgram-too-large": dgram_too_large,
    "recv-buffer-short": recv_buffer_short,
    "unconnected-many-peers": unconnected_many_peers,
    "udp-drop-full-rcvbuf": udp_drop_full_rcvbuf,
    "unix-dgram-queue-full": unix_dgram_queue_full,
    "unbound-unix-dgram-sender": unbound_unix_dgram_sender,
    "half-close": half_close,
    "close-unread-rst": close_unread_rst,
    "write-after-peer-close": write_after_peer_close,
    "time-wait": time_wait,
    "abstract-name": abstract_name,
    "ipv6-dual-stack": ipv6_dual_stack,
    "ipv6-only": ipv6_only,
    "peer-credentials": peer_credentials,
    "fd-passing": fd_passing,
}


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in CHECKS or sys.argv[2] not in KINDS:
        print(f"usage: kernel_voice.py {{{'|'.join(CHECKS)}}} {{{'|'.join(KINDS)}}} [DIR]", file=sys.stderr)
        return 2
    experiment, transport = sys.argv[1], sys.argv[2]
    own_dir = len(sys.argv) == 3
    directory = tempfile.mkdtemp(prefix="kernel-voice-") if own_dir else sys.argv[3]
    run = Run(transport, directory)
    status = 0
    try:
        outcome, evidence = CHECKS[experiment](run)
        report = {"outcome": outcome, "evidence": " | ".join(evidence)}
    except Exception as err:  # the check itself broke: say where, as the outcome, so that the test fails
        report = {"outcome": f"check failed: {type(err).__name__}: {err}", "evidence": traceback.format_exc()}
        status = 1
    finally:
        run.close()
        if own_dir:
            shutil.rmtree(directory, ignore_errors=True)
    print(json.dumps(report), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
