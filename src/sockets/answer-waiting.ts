/**
 * The one time the supervisor answers connections on a site's socket itself: the site cannot
 * start on demand (its process failed and waits to retry, or gave up), and the connections that
 * woke it would otherwise hang in the backlog. Each waiting connection is accepted and gets a
 * `503` naming the site and the reason (HTTP sites), or is closed.
 *
 * Accepting goes through `accept4(2)` on the raw fd, never through a listening `net.Server`, so
 * the supervisor's event loop never starts accepting on the socket: the next process that starts
 * finds the socket as it was, with whatever arrived meanwhile still queued.
 */
import net from "node:net";
import { O_NONBLOCK, SOCK_CLOEXEC, SOCK_NONBLOCK, socketCalls } from "../native/socket-calls.js";
import type { BoundSocket } from "./bind.js";

export type WaitingAnswer = { readonly type: "http"; readonly site: string; readonly reason: string } | { readonly type: "close" };

/** How long an answered client may take to read the answer before its connection is dropped. */
const LINGER_MS = 2000;
/** At most this many per call: a flood must not keep the supervisor's loop busy. */
const MAX_PER_CALL = 1024;

/** Answers every connection waiting now; returns how many there were. */
export function answerWaiting(socket: BoundSocket, answer: WaitingAnswer): number {
  const calls = socketCalls();
  // No process of the site runs now, so the shared file description can be made non-blocking:
  // an empty queue must end the loop, not block the supervisor.
  const flags = calls.getFlags(socket.fd);
  if (flags >= 0 && (flags & O_NONBLOCK) === 0) calls.setFlags(socket.fd, flags | O_NONBLOCK);
  let answered = 0;
  while (answered < MAX_PER_CALL) {
    const fd = calls.accept4(socket.fd, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) break;
    answered += 1;
    reply(fd, answer);
  }
  return answered;
}

function reply(fd: number, answer: WaitingAnswer): void {
  const connection = new net.Socket({ fd, readable: true, writable: true });
  connection.on("error", () => connection.destroy());
  const timer = setTimeout(() => connection.destroy(), LINGER_MS);
  timer.unref();
  connection.on("close", () => clearTimeout(timer));
  if (answer.type === "close") {
    connection.destroy();
    return;
  }
  const reason = answer.reason.replace(/\s+/g, " ").slice(0, 300);
  const body = `503 Service Unavailable: site ${answer.site} cannot start: ${reason}\n`;
  // Read what the client sent before closing: closing with unread data would reset the
  // connection, and the client might lose the answer.
  connection.resume();
  connection.end(
    [
      "HTTP/1.1 503 Service Unavailable",
      "Content-Type: text/plain; charset=utf-8",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "Connection: close",
      "Retry-After: 5",
      "",
      body,
    ].join("\r\n"),
  );
}
