/**
 * A connection the old generation accepted before its stop signal, whose request goes out only
 * once that generation's shutdown has begun: what a reload under load meets now and then (a
 * client connected just before the signal, its request still on the way), made certain.
 *
 * Connect to the site; find the old process that accepted the connection (the one holding its
 * server-side socket: a gunicorn or uWSGI worker, not the master); start the reload; wait until
 * that process closed its copy of the listening socket (its server stopped accepting: shutdown
 * has begun); only then send the request. The answer is whatever came back before the
 * connection closed — empty, or an error in brackets, when the server dropped it.
 *
 * Sockets are found in `/proc/net/tcp` and, through the scaler's own reads of `/proc/PID/fd` and
 * the process tree (`src/supervisor/process-connections.ts`), in the processes, so this works for
 * any server on 127.0.0.1 without its cooperation.
 */
import fs from "node:fs";
import net from "node:net";
import { family, heldBy } from "../src/supervisor/process-connections.js";
import type { CliResult, SupervisorUnderTest } from "./supervisor.js";
import { waitFor } from "./wait-for.js";

export interface EarlyConnection {
  /** The raw HTTP answer (or `[error message]`). */
  readonly answer: string;
  /** The old process that had accepted the connection. */
  readonly acceptedBy: number;
  /** The reload command's result. */
  readonly reload: CliResult;
}

export async function requestAfterStopBegan(
  supervisor: SupervisorUnderTest,
  name: string,
  port: number,
  urlPath: string,
): Promise<EarlyConnection> {
  const members = (await Promise.all((await supervisor.site(name)).pids.map(family))).flat();
  const listener = inodeOf(port, 0);
  const socket = net.connect(port, "127.0.0.1");
  let answer = "";
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.setEncoding("latin1").on("data", (chunk: string) => (answer += chunk));
  socket.on("error", (error) => (answer += `[${error.message}]`));
  let reload: Promise<CliResult> | undefined;
  try {
    await new Promise((resolve) => socket.once("connect", resolve));
    const acceptedBy = await waitFor(`${name}: an old process accepts the connection`, async () => {
      const accepted = inodeOf(port, socket.localPort ?? 0);
      for (const pid of members) if (await holds(pid, accepted)) return pid;
      return undefined;
    });
    if (!(await holds(acceptedBy, listener))) throw new Error(`${name}: ${acceptedBy} does not hold the listening socket`);
    reload = supervisor.cli(["reload", name]);
    await waitFor(`${name}: ${acceptedBy} stops listening`, async () => !(await holds(acceptedBy, listener)), {
      timeoutMs: 20_000,
      intervalMs: 5,
    });
    socket.write(`GET ${urlPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    await closed;
    return { answer, acceptedBy, reload: await reload };
  } finally {
    socket.destroy();
    await reload;
  }
}

/** The inode of 127.0.0.1:PORT's socket listening (peer 0) or connected to 127.0.0.1:PEER. */
function inodeOf(port: number, peer: number): number {
  const hex = (n: number): string => `0100007F:${n.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of fs.readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === hex(port) && fields[2] === (peer === 0 ? "00000000:0000" : hex(peer))) return Number(fields[9]);
  }
  throw new Error(`no socket 127.0.0.1:${port} ↔ ${peer} in /proc/net/tcp`);
}

async function holds(pid: number, inode: number): Promise<boolean> {
  return (await heldBy(pid, new Set([inode]))) > 0;
}
