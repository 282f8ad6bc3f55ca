// Idle sessions for scripts/bench-floor.ts's memory measurement: COUNT TCP connections to a playground
// server, each left waiting after the welcome (the server then holds a session waiting for the
// message). Prints "ready N" once N connections have their welcome, or "failed WHY", and holds them
// until its standard input closes or SIGTERM. Compiled with the rest (npm run build) and run by plain
// node, as floor-server.ts is.
//
//   node dist/bench/idle-clients.js HOST PORT COUNT
import net from "node:net";

const [host, portText, countText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
/** Connects in progress at once: well inside the listen backlog. */
const AT_ONCE = 200;
const GIVE_UP_MS = 60_000;

const sockets: net.Socket[] = [];
let welcomed = 0;
let started = 0;
let failure: string | undefined;

const giveUp = setTimeout(
  () => finish(`only ${welcomed} of ${count} welcomed in ${GIVE_UP_MS / 1000} s`),
  GIVE_UP_MS,
);

function open(): void {
  if (failure || started >= count) return;
  started++;
  const socket = net.connect({ host, port });
  sockets.push(socket);
  socket.once("data", () => {
    welcomed++;
    if (welcomed === count) finish();
    else open();
  });
  socket.on("error", (err) => finish(err.message));
  socket.on("close", () => {
    if (welcomed < count) finish("a connection closed before its welcome");
  });
}

function finish(why?: string): void {
  if (failure !== undefined) return;
  failure = why ?? "";
  clearTimeout(giveUp);
  process.stdout.write(why ? `failed ${why}\n` : `ready ${welcomed}\n`);
}

function stop(): void {
  for (const socket of sockets) socket.destroy();
  process.exit(0);
}

process.on("SIGTERM", stop).on("SIGINT", stop);
process.stdin.on("close", stop).resume();
for (let i = 0; i < Math.min(AT_ONCE, count); i++) open();
