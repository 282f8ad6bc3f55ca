// Small steps the experiments share, built on the same transports as everything else. Each opens real
// sockets, records their calls on the context's trace, and registers their closing with the context.
import { OpError } from "../errors.js";
import { loadTransport } from "../transports/index.js";
import type {
  Connection,
  ConnectionTransport,
  DatagramSocket,
  DatagramTransport,
  Listener,
  TransportName,
} from "../transports/transport.js";
import type { ExperimentContext } from "./experiment.js";

export async function connectionTransport(name: TransportName): Promise<ConnectionTransport> {
  const transport = await loadTransport(name);
  if (transport.kind !== "connection") throw new Error(`${name} has no connections`);
  return transport;
}

export async function datagramTransport(name: TransportName): Promise<DatagramTransport> {
  const transport = await loadTransport(name);
  if (transport.kind !== "datagram") throw new Error(`${name} is not a datagram transport`);
  return transport;
}

/** A listener whose accepted connections go to `onConnection` (kept open, and closed at the end). */
export async function listen(
  name: TransportName,
  context: ExperimentContext,
  onConnection: (connection: Connection) => void = () => {},
  address = context.address(),
): Promise<Listener> {
  const transport = await connectionTransport(name);
  const listener = await transport.listen(
    address,
    (connection) => {
      context.defer(() => connection.destroy());
      onConnection(connection);
    },
    context.trace,
  );
  context.defer(() => listener.close());
  return listener;
}

export async function dial(
  name: TransportName,
  context: ExperimentContext,
  address: string,
): Promise<Connection> {
  const connection = await (await connectionTransport(name)).dial(address, context.trace);
  context.defer(() => connection.destroy());
  return connection;
}

export async function bindDatagram(
  name: TransportName,
  context: ExperimentContext,
  address = context.address(),
) {
  const socket = await (await datagramTransport(name)).bind(address, context.trace);
  context.defer(() => socket.close());
  return socket;
}

/** The errno a promise failed with, or "succeeded". */
export async function outcomeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return "succeeded";
  } catch (err) {
    if (err instanceof OpError) return err.code;
    throw err;
  }
}

/** Everything a connection receives until it closes or `ms` pass, one entry per read. */
export function collectReads(connection: Connection, ms: number): Promise<Buffer[]> {
  const reads: Buffer[] = [];
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(reads), ms);
    connection.setHandlers({
      data: (chunk) => reads.push(chunk),
      end: () => {},
      close: () => {
        clearTimeout(timer);
        resolve(reads);
      },
    });
  });
}

/** Datagrams arriving at a socket for `ms`, with their senders. */
export function collectDatagrams(
  socket: DatagramSocket,
  ms: number,
): Promise<{ data: Buffer; from: string }[]> {
  const got: { data: Buffer; from: string }[] = [];
  socket.setHandlers({ message: (data, from) => got.push({ data, from }), error: () => {} });
  return new Promise((resolve) => setTimeout(() => resolve(got), ms));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
