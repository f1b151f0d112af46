/**
 * One `ready: {http: PATH}` probe through the site's own socket, answered by *this* process's
 * group and no other (during a reload the old generation accepts on the same socket).
 *
 * Ownership is settled before the request is sent: connect, wait until the connection has been
 * accepted (its server side shows up in /proc as an fd of some process), check that process is
 * in the new group, and only then send `GET PATH`. An HTTP server cannot answer — nor close the
 * connection after answering — before it has the request, so servers that close every
 * connection (`Connection: close`, HTTP/1.0 servers such as Python's `http.server`, gunicorn's
 * sync worker) are seen as reliably as keep-alive ones. Checking after the response raced with
 * that close: the server side was often gone from /proc by the time it was read.
 */
import net from "node:net";
import type { ListenAddress } from "../config/types.js";
import { sleep, type Clock } from "../time/clock.js";
import { connectionOwner } from "./socket-owner.js";

const CONNECT_TIMEOUT_MS = 2000;
/** How long an accept may take; a process still busy booting is probed again later. */
const ACCEPT_TIMEOUT_MS = 1000;
const ACCEPT_POLL_MS = 5;
const RESPONSE_TIMEOUT_MS = 2000;

/** True when this process's group accepted the probe and answered with a status below 500. */
export async function probeHttp(address: ListenAddress, path: string, pgid: number, clock: Clock): Promise<boolean> {
  const socket = await connect(address, clock);
  if (socket === undefined) return false;
  try {
    if (address.type === "tcp") {
      // For unix sockets no such pairing is exposed cheaply: whoever answers counts.
      const owned = await acceptedBy(address.port, socket.localPort ?? 0, pgid, clock);
      if (!owned) return false;
    }
    const status = await request(socket, address, path, clock);
    return status !== undefined && status < 500;
  } finally {
    socket.destroy();
  }
}

function connect(address: ListenAddress, clock: Clock): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = address.type === "tcp" ? net.connect({ host: address.host, port: address.port }) : net.connect({ path: address.path });
    const timer = clock.setTimeout(() => done(undefined), CONNECT_TIMEOUT_MS);
    const done = (result: net.Socket | undefined): void => {
      clock.clearTimeout(timer);
      socket.removeAllListeners("connect");
      if (result === undefined) socket.destroy();
      resolve(result);
    };
    socket.on("error", () => done(undefined));
    socket.once("connect", () => done(socket));
  });
}

async function acceptedBy(serverPort: number, clientPort: number, pgid: number, clock: Clock): Promise<boolean> {
  const deadline = clock.now() + ACCEPT_TIMEOUT_MS;
  for (;;) {
    const owner = await connectionOwner(serverPort, clientPort, pgid);
    if (owner !== "pending") return owner === "group";
    if (clock.now() >= deadline) return false;
    await sleep(clock, ACCEPT_POLL_MS);
  }
}

/** Sends the request and reads the status line; undefined when none came in time. */
function request(socket: net.Socket, address: ListenAddress, path: string, clock: Clock): Promise<number | undefined> {
  const host =
    address.type === "unix"
      ? "localhost"
      : address.host.includes(":")
        ? `[${address.host}]:${address.port}`
        : `${address.host}:${address.port}`;
  return new Promise((resolve) => {
    let head = "";
    const timer = clock.setTimeout(() => done(undefined), RESPONSE_TIMEOUT_MS);
    const done = (status: number | undefined): void => {
      clock.clearTimeout(timer);
      socket.removeAllListeners("data");
      resolve(status);
    };
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      head += chunk;
      const end = head.indexOf("\r\n");
      if (end < 0 && head.length < 1024) return;
      const match = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head);
      done(match?.[1] === undefined ? undefined : Number(match[1]));
    });
    socket.on("error", () => done(undefined));
    socket.on("end", () => done(undefined));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: tsgi-ready-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
  });
}
