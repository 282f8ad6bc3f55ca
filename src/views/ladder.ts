// The ladder diagram: client lane on the left, server lane on the right, one row per socket call in
// time order, and an arrow across the middle for everything that crosses between them. Fits in 100
// columns. It reads SocketEvents only.
import { parseMessageEnd } from "../protocol/message-end.js";
import { inTimeOrder, isCall, type SocketEvent } from "../trace/events.js";
import type { TransportInfo } from "../transports/transport.js";
import { type Paint, painter } from "./paint.js";

const TIME = 9;
const LANE = 26;
const MIDDLE = 36;

export function renderLadder(
  events: readonly SocketEvent[],
  transport: TransportInfo,
  color: boolean,
): string {
  const paint = painter(color);
  const title = (text: string) => text.padEnd(LANE);
  const rule = "─".repeat(LANE - 2);
  const lines = [
    `${"ms".padStart(TIME)} ${paint.client(title(`client (${transport.name})`))} ${" ".repeat(MIDDLE)} ${paint.server(title(`server (${transport.name})`))}`,
    `${" ".repeat(TIME)} ${paint.client(rule.padEnd(LANE))} ${" ".repeat(MIDDLE)} ${paint.server(rule)}`,
  ];
  for (const event of inTimeOrder(events)) lines.push(row(event, transport, paint));
  return `${lines.map((l) => l.trimEnd()).join("\n")}\n${legend(events)}`;
}

function row(e: SocketEvent, transport: TransportInfo, paint: Paint): string {
  const time = (e.t / 1000).toFixed(3).padStart(TIME);
  const cell = clip(callText(e), LANE).padEnd(LANE);
  const style = e.errno
    ? paint.error
    : e.inferred || !isCall(e)
      ? paint.inferred
      : e.side === "client"
        ? paint.client
        : paint.server;
  const middle = crossing(e, transport);
  const arrow = middle ? paint.arrow(middle) : " ".repeat(MIDDLE);
  const empty = " ".repeat(LANE);
  return e.side === "client"
    ? `${time} ${style(cell)} ${arrow} ${empty}`
    : `${time} ${empty} ${arrow} ${style(cell)}`;
}

/** The call as C would write it, shortened; `*` marks a call Node made without one of ours naming it. */
export function callText(e: SocketEvent): string {
  const star = e.inferred ? "*" : "";
  if (e.call === "refused") return `refused before ${e.detail}()`;
  if (e.errno) return `${e.call}() ✗ ${e.errno}`;
  switch (e.call) {
    case "socket":
      return `socket()${star}`;
    case "bind":
      return bindText(e, star);
    case "listen":
      return `listen(${e.detail ?? ""})${star}`;
    case "accept":
      return `accept() → session ${e.session}${star}`;
    case "connect":
      return `connect(${e.remote ?? ""})${star}`;
    case "send":
    case "sendto":
      return `${e.call}(${e.bytes} B)${star}`;
    case "recv":
    case "recvfrom":
      // A read of 0 bytes here is an empty datagram or record; EOF is drawn as the 'end' event it is.
      return `${e.call}(${e.bytes} B)${star}`;
    case "shutdown":
      return `shutdown(${e.detail ?? ""})${star}`;
    case "close":
      return `close()${star}`;
    case "message-end":
      return `message ended: ${endedByText(e)}`;
    case "eof":
      return "EOF ('end' event)";
  }
}

/**
 * bind() with what the kernel was given; where that was port 0, the port it chose, after an arrow:
 * "bind(127.0.0.1:0)* → 41965". A fresh address is port 0; the port is the kernel's answer.
 */
function bindText(e: SocketEvent, star: string): string {
  const given = e.requested ?? e.local ?? "";
  const portZero = e.family !== "unix" && e.requested?.endsWith(":0") && e.local;
  const chosen = portZero ? ` → ${e.local?.slice(e.local.lastIndexOf(":") + 1)}` : "";
  return `bind(${given})${star}${chosen}`;
}

/** What ended a message, in a few words: "1st recv()", "newline", "EOF", "20 ms pause". */
function endedByText(e: SocketEvent): string {
  switch (e.detail) {
    case "recv":
      return "1st recv()";
    case "eof":
      return "EOF";
    case "pause":
      return `${parseMessageEnd(e.rule ?? "pause").pauseMs} ms pause`;
    default:
      return e.detail ?? "";
  }
}

/** What crosses between the lanes for this call, drawn as an arrow toward the other side. */
function crossing(e: SocketEvent, transport: TransportInfo): string | undefined {
  if (e.errno) return undefined;
  const toServer = e.side === "client";
  if (e.call === "send" || e.call === "sendto") return arrow(`${e.bytes} B "${e.preview ?? ""}"`, toServer);
  if (e.call === "shutdown") return arrow("EOF", toServer);
  if (e.call === "connect") {
    return transport.connectionOriented
      ? arrow("connect", toServer)
      : clip("(nothing sent: sets the peer)", MIDDLE).padEnd(MIDDLE);
  }
  return undefined;
}

function arrow(label: string, right: boolean): string {
  const text = ` ${clip(label, MIDDLE - 6)} `;
  const line = MIDDLE - 1 - text.length;
  const left = Math.floor(line / 2);
  return right
    ? `${"─".repeat(left)}${text}${"─".repeat(line - left)}▶`
    : `◀${"─".repeat(line - left)}${text}${"─".repeat(left)}`;
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** What the stars stand for in this run: each Node API and the calls it made. */
function legend(events: readonly SocketEvent[]): string {
  const byVia = new Map<string, Set<string>>();
  for (const e of events) {
    if (!e.inferred || !e.via) continue;
    const calls = byVia.get(e.via) ?? new Set<string>();
    calls.add(`${e.call}()`);
    byVia.set(e.via, calls);
  }
  if (byVia.size === 0) return "";
  const parts = [...byVia].map(
    ([via, calls]) =>
      `  ${[...calls].join(", ")} — ${via.endsWith("event") ? "before the" : "inside"} ${via}`,
  );
  return `\n* inferred: Node made these calls without a call of ours that names them:\n${parts.join("\n")}\n`;
}
