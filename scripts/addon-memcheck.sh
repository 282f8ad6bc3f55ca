#!/usr/bin/env bash
# The addon (native/unix_socket.c) under valgrind: a debug build (-O0 -g) made in a temp dir (the
# installed build in native/build is left alone), and scripts/addon-memcheck-driver.mjs, which makes
# every call and error path 20 times over, run by plain node under memcheck. Not CI: it takes about a
# minute. KEEP_LOG=FILE keeps memcheck's whole log. Exit 0 when memcheck found no error and no definite leak, 1 otherwise (the log says where).
#
#   bash scripts/addon-memcheck.sh
#
# Node's own noise: memcheck's leak errors count only "definitely lost" blocks (--errors-for-leak-kinds
# =definite); Node and V8 keep their heaps and threads to exit, which memcheck calls "possibly lost" or
# "still reachable", never definite. scripts/addon-memcheck.supp holds any exception, each with why.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

command -v valgrind >/dev/null || { echo "addon-memcheck: valgrind not found: apt-get install valgrind" >&2; exit 1; }

work="$(mktemp -d)"
trap '[[ -n "${KEEP_LOG:-}" && -f "$work/memcheck.log" ]] && cp "$work/memcheck.log" "$KEEP_LOG"; rm -rf "$work"' EXIT
cp native/unix_socket.c native/binding.gyp "$work/"

prefix="$(dirname "$(dirname "$(node -p process.execPath)")")"
node_gyp="$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
[[ -f "$node_gyp" ]] || node_gyp="$prefix/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
echo "==> debug build of the addon (node-gyp --debug, in $work)" >&2
(cd "$work" && node "$node_gyp" rebuild --debug --nodedir="$prefix" >/dev/null)

echo "==> the driver under valgrind memcheck" >&2
log="$work/memcheck.log"
status=0
valgrind \
  --error-exitcode=1 \
  --leak-check=full \
  --errors-for-leak-kinds=definite \
  --show-leak-kinds=definite \
  --suppressions="$root/scripts/addon-memcheck.supp" \
  --log-file="$log" \
  node --expose-gc "$root/scripts/addon-memcheck-driver.mjs" "$work/build/Debug/unix_socket.node" || status=$?

summary="$(grep -E "ERROR SUMMARY|definitely lost" "$log" | sed 's/^==[0-9]*== *//')"
echo "$summary" >&2
if ((status != 0)); then
  # What memcheck said, with the addon's frames first in mind: the whole log is long.
  grep -v "^==[0-9]*== *$" "$log" | sed -n '/Invalid\|uninitialised\|definitely lost in/,/^==[0-9]*== *$/p' | head -200 >&2
  echo "addon-memcheck: memcheck found errors (above)" >&2
  exit 1
fi
echo "addon-memcheck: clean" >&2
