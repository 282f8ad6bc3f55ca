#!/usr/bin/env bash
# User-space instructions a server spends on one session of the lab's client, counted by valgrind's
# callgrind: the same count, within a percent or two, however busy the machine is, where a timed
# benchmark on a shared 2-core machine spreads by a tenth and more (BENCHMARKS.md). It is what
# found the costs described in BENCHMARKS.md "Counted instruction by instruction". Kernel time is
# not counted: bench-floor.ts measures the whole.
#
#   npm run build && scripts/instructions-per-session.sh [pg|pg-quiet|floor ...] [--sessions N]
#                                                       [--transport tcp4|unix-stream]
#
#   pg        playground server --transport tcp4 (or unix-stream), as a user runs it (the lab's lines
#             on stdout)
#   pg-quiet  the same with --log-level warn: no lines, no records
#   floor     floor-server lab: node:net straight, the ack on the first read
#
# Each server is started under callgrind with counting off, warmed by 10,000 sessions of the lab's
# client (one python3 process, one session at a time, on 127.0.0.1 or a socket file in the run's
# temp dir) until V8 has optimized what it will, then counted over N more (default 12,000; with
# 30,000 a count repeats within about a percent). It needs valgrind (apt-get install valgrind).
#
# pg's count is high by 2,000-3,000 instructions a session: the lines are written every 50 ms, which
# under callgrind's slowdown is every few dozen sessions, and at full speed every few hundred.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
sessions=12000
transport=tcp4
kinds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sessions) sessions="$2"; shift 2 ;;
    --transport) transport="$2"; shift 2 ;;
    pg | pg-quiet | floor) kinds+=("$1"); shift ;;
    *) echo "instructions-per-session.sh: unknown argument '$1'; give pg, pg-quiet, floor, --sessions N, --transport tcp4|unix-stream" >&2; exit 2 ;;
  esac
done
case "$transport" in
  tcp4 | unix-stream) ;;
  *) echo "instructions-per-session.sh: --transport takes tcp4 or unix-stream, not '$transport'" >&2; exit 2 ;;
esac
[ ${#kinds[@]} -gt 0 ] || kinds=(floor pg pg-quiet)
for tool in valgrind callgrind_control python3; do
  command -v "$tool" > /dev/null || { echo "instructions-per-session.sh: needs $tool (apt-get install valgrind python3)" >&2; exit 2; }
done
[ -f "$here/dist/cli.js" ] || { echo "instructions-per-session.sh: dist/ is not built; run npm run build first" >&2; exit 2; }

work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2> /dev/null && wait "$server" 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The lab's client.py, N times over, to a port on 127.0.0.1 or to a unix path.
sessions_of() {
  python3 - "$1" "$2" << 'PY'
import socket, sys
where, n = sys.argv[1], int(sys.argv[2])
def connect():
    if where.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(where)
        return s
    return socket.create_connection(("127.0.0.1", int(where)))
for _ in range(n):
    s = connect()
    s.recv(1024)
    s.sendall(b"Hello, Server! This is the client.")
    s.recv(1024)
    s.close()
PY
}

for kind in "${kinds[@]}"; do
  if [ "$transport" = unix-stream ]; then
    mkdir -p "$work/sockets"
    where="$work/sockets/$kind"
    at=(--path "$where")
    floor_at="$where"
  else
    where="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    at=(--port "$where")
    floor_at="127.0.0.1:$where"
  fi
  case "$kind" in
    pg) args=(dist/cli.js server --transport "$transport" "${at[@]}") ;;
    pg-quiet) args=(dist/cli.js server --transport "$transport" "${at[@]}" --log-level warn) ;;
    floor) args=(dist/bench/floor-server.js lab "$transport" "$floor_at") ;;
  esac
  (cd "$here" && exec valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file \
    --callgrind-out-file="$work/$kind.%p" node "${args[@]}" < /dev/zero > /dev/null 2> "$work/$kind.err") &
  server=$!
  for _ in $(seq 600); do
    sessions_of "$where" 1 2> /dev/null && break # one more of the warm-up's, once it is up
    sleep 0.2
  done
  sessions_of "$where" 10000
  callgrind_control --instr=on "$server" > /dev/null 2>&1
  sessions_of "$where" "$sessions"
  callgrind_control --instr=off "$server" > /dev/null 2>&1
  callgrind_control --dump "$server" > /dev/null 2>&1
  kill "$server" 2> /dev/null || true
  wait "$server" 2> /dev/null || true
  server=""
  total="$(cat "$work/$kind".[0-9]* | awk '/^totals:/ { sum += $2 } END { printf "%.0f\n", sum }')"
  echo "$kind ($transport): $((total / sessions)) instructions a session ($sessions sessions)"
done
