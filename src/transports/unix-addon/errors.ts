// The addon's errors as OpErrors. The addon throws what Node's own calls throw (code, errno, syscall),
// with the kernel's errno, so nothing here guesses: the code is carried over as it is.
import { getSystemErrorName } from "node:util";
import { type Op, OpError } from "../../errors.js";
import { tooLongHint } from "../address.js";
import type { TransportName } from "../transport.js";
import { loadNative, type UnixSocket } from "./native.js";

/** Who is asking, for the OpErrors: the transport and the address in user form. */
export interface ErrorContext {
  readonly transport: TransportName;
  readonly address: string;
}

/** An error the addon threw, as the OpError of `op`. */
export function addonError(err: unknown, op: Op, context: ErrorContext): OpError {
  if (err instanceof OpError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const errno = typeof code === "string" && code.startsWith("E") ? code : "EIO";
  // The kernel's EINVAL for a name sun_path cannot hold says nothing of the length: we say it.
  const hint = errno === "EINVAL" || errno === "ENAMETOOLONG" ? tooLongHint(context.address) : undefined;
  return new OpError(op, context.transport, context.address, errno, hint, { cause: err });
}

/** A watch callback's status (the kernel's negative errno, read with SO_ERROR) as an OpError. */
export function statusError(status: number, op: Op, context: ErrorContext): OpError {
  return new OpError(op, context.transport, context.address, getSystemErrorName(status));
}

/** A new socket of `type`; throws an OpError when the addon is not built or socket() fails. */
export function newSocket(type: "SOCK_DGRAM" | "SOCK_SEQPACKET", context: ErrorContext): UnixSocket {
  let native: ReturnType<typeof loadNative>;
  try {
    native = loadNative();
  } catch (err) {
    throw new OpError("socket", context.transport, context.address, "EOPNOTSUPP", (err as Error).message, {
      cause: err,
    });
  }
  try {
    return new native.UnixSocket(native.constants[type]);
  } catch (err) {
    throw addonError(err, "socket", context);
  }
}
