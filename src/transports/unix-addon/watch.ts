// What a socket is polled for, changed only when it changes: each watch() is an epoll_ctl().
import type { UnixSocket, WatchCallback } from "./native.js";

export class Watch {
  #readable = false;
  #writable = false;
  #started = false;

  constructor(
    private readonly socket: UnixSocket,
    private readonly onEvent: WatchCallback,
  ) {}

  set(readable: boolean, writable: boolean): void {
    if (this.socket.fd < 0 || (readable === this.#readable && writable === this.#writable)) return;
    this.#readable = readable;
    this.#writable = writable;
    if (!readable && !writable) this.socket.unwatch();
    else this.socket.watch(readable, writable, this.#started ? undefined : this.onEvent);
    this.#started = true;
  }

  readable(on: boolean): void {
    this.set(on, this.#writable);
  }

  writable(on: boolean): void {
    this.set(this.#readable, on);
  }
}
