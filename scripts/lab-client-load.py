#!/usr/bin/env python3
"""The lab's client.py as a load: N processes, each running the lab's session in a loop for S seconds.

    lab-client-load.py inet|inet6|unix HOST PORT | PATH [--clients N] [--seconds S] [--warmup W]

One session is exactly the lab handout's client: socket, connect, recv(1024) the welcome,
sendall() the message with no terminator and no shutdown(), recv(1024) the ack, close. It prints
one JSON object: sessions completed, the measured seconds, sessions per second, the session time's
p50 and p99 in microseconds, and failures. bench-floor.ts runs it against `playground server` and
against a raw node:net server that acks on the first read (floor-server lab).
"""
import json
import multiprocessing
import socket
import sys
import time

MESSAGE = b"Hello, Server! This is the client."
FAMILIES = {"inet": socket.AF_INET, "inet6": socket.AF_INET6, "unix": socket.AF_UNIX}


def session(family, address):
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(5.0)
    try:
        sock.connect(address)
        if not sock.recv(1024):
            raise ConnectionError("no welcome")
        sock.sendall(MESSAGE)
        if not sock.recv(1024):
            raise ConnectionError("no ack")
    finally:
        sock.close()


def worker(job):
    family, address, warmup_until, until = job
    times, failures = [], 0
    while True:
        start = time.perf_counter()
        if start >= until:
            break
        try:
            session(family, address)
        except OSError:
            failures += 1
            continue
        if start >= warmup_until:
            times.append((time.perf_counter() - start) * 1e6)
    return times, failures


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else None


def main():
    args = sys.argv[1:]
    options = {"--clients": "1", "--seconds": "2", "--warmup": "0.5"}
    for flag in list(options):
        if flag in args:
            i = args.index(flag)
            options[flag] = args[i + 1]
            del args[i:i + 2]
    if not args or args[0] not in FAMILIES:
        sys.stderr.write(__doc__)
        return 2
    family = FAMILIES[args[0]]
    address = args[1] if args[0] == "unix" else (args[1], int(args[2]))
    clients, seconds, warmup = int(options["--clients"]), float(options["--seconds"]), float(options["--warmup"])
    start = time.perf_counter() + 0.2  # the workers start together
    jobs = [(family, address, start + warmup, start + warmup + seconds)] * clients
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        results = pool.map(worker, jobs)
    times = [t for ts, _ in results for t in ts]
    print(json.dumps({
        "clients": clients,
        "seconds": seconds,
        "sessions": len(times),
        "sessionsPerSecond": len(times) / seconds,
        "p50Us": percentile(times, 50),
        "p99Us": percentile(times, 99),
        "failures": sum(f for _, f in results),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
