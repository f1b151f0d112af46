/**
 * Learns that a connection waits on a listening socket, without accepting it and without a timer.
 *
 * A pending connection makes a listening socket readable. One `poll(2)` over every watched
 * socket blocks on a thread of libuv's pool (a call nothing in the supervisor's event loop
 * waits on), plus an eventfd that wakes it when the set changes. An idle supervisor therefore
 * sleeps in the kernel: no CPU whether it watches one socket or two hundred, and no thread
 * blocked at all while nothing is watched.
 *
 * Each watch is one-shot: `ready` is called once and the socket leaves the set, so a socket
 * that stays readable (its connections wait for a process to start) cannot spin the loop.
 */
import fs from "node:fs";
import { POLLIN, SOCK_CLOEXEC, SOCK_NONBLOCK, socketCalls } from "../native/socket-calls.js";

export interface ReadableWatch {
  /** Calls `ready` once, the next time `fd` is readable; the returned function cancels. */
  once(fd: number, ready: () => void): () => void;
  /** Cancels every watch and releases the thread (the supervisor is exiting). */
  close(): void;
}

const POLLERR = 0x8;
const POLLHUP = 0x10;
const POLLNVAL = 0x20;
const POLLFD_SIZE = 8;

export function pollWatch(): ReadableWatch {
  return new PollWatch();
}

class PollWatch implements ReadableWatch {
  readonly #armed = new Map<number, () => void>();
  #wake: number | undefined;
  #inFlight = false;
  #woken = false;
  #closed = false;

  once(fd: number, ready: () => void): () => void {
    if (this.#closed) return () => undefined;
    this.#armed.set(fd, ready);
    this.#changed();
    return () => {
      if (this.#armed.get(fd) !== ready) return;
      this.#armed.delete(fd);
      this.#changed();
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#armed.clear();
    if (this.#inFlight) this.#signal();
    else this.#release();
  }

  #changed(): void {
    if (this.#inFlight) this.#signal();
    else this.#poll();
  }

  /** Wakes the poll under way so it starts again with the new set. */
  #signal(): void {
    if (this.#woken || this.#wake === undefined) return;
    this.#woken = true;
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    fs.writeSync(this.#wake, one);
  }

  #poll(): void {
    if (this.#closed || this.#armed.size === 0) return;
    const calls = socketCalls();
    this.#wake ??= calls.eventfd(0, SOCK_NONBLOCK | SOCK_CLOEXEC);
    const fds = [this.#wake, ...this.#armed.keys()];
    const callbacks = [...this.#armed.values()];
    const buffer = Buffer.alloc(fds.length * POLLFD_SIZE);
    fds.forEach((fd, i) => {
      buffer.writeInt32LE(fd, i * POLLFD_SIZE);
      buffer.writeInt16LE(POLLIN, i * POLLFD_SIZE + 4);
    });
    this.#inFlight = true;
    calls.pollAsync(buffer, fds.length, -1, () => {
      this.#inFlight = false;
      this.#drainWake();
      if (this.#closed) {
        this.#release();
        return;
      }
      const due: (() => void)[] = [];
      for (let i = 1; i < fds.length; i++) {
        const fd = fds[i] ?? -1;
        const revents = buffer.readInt16LE(i * POLLFD_SIZE + 6);
        const callback = callbacks[i - 1];
        // Only the watch that was polled fires: one set again meanwhile waits for its own turn.
        if (revents === 0 || callback === undefined || this.#armed.get(fd) !== callback) continue;
        this.#armed.delete(fd);
        // POLLNVAL: the fd was closed under the watch; nothing waits on it any more.
        if ((revents & POLLNVAL) === 0 && (revents & (POLLIN | POLLERR | POLLHUP)) !== 0) due.push(callback);
      }
      this.#poll();
      for (const callback of due) callback();
    });
  }

  #drainWake(): void {
    this.#woken = false;
    if (this.#wake === undefined) return;
    try {
      fs.readSync(this.#wake, Buffer.alloc(8));
    } catch {
      // EAGAIN: nobody signalled; the poll returned for a socket.
    }
  }

  #release(): void {
    if (this.#wake === undefined) return;
    fs.closeSync(this.#wake);
    this.#wake = undefined;
  }
}
