/**
 * Serving on the socket the supervisor bound: fd 3 (`TSGI_FD`), which may not be listening
 * yet — the first worker's `listen` makes it so. Run by hand, `PORT` (and `HOST`) will do.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { describeThrown } from "./describe-error.js";
import { failed, loaded, type Loaded } from "./failure.js";
import { trackForDrain, type Drainable } from "./drain.js";
import type { ServerHooks } from "./server-hooks.js";
import { isThenable } from "./thenable.js";

export type ListenTarget =
  { readonly type: "fd"; readonly fd: number } | { readonly type: "port"; readonly port: number; readonly host: string };

export function listenTarget(env: NodeJS.ProcessEnv): Loaded<ListenTarget> {
  const fd = env["TSGI_FD"];
  if (fd !== undefined && fd !== "") {
    return /^\d+$/.test(fd) ? loaded({ type: "fd", fd: Number(fd) }) : failed({ message: `TSGI_FD=${fd} is not a file descriptor number` });
  }
  const port = env["PORT"];
  if (port !== undefined && /^\d+$/.test(port)) {
    return loaded({ type: "port", port: Number(port), host: env["HOST"] || "127.0.0.1" });
  }
  return failed({
    message:
      "no socket to serve on: TSGI_FD is not set (tsgi-supervise sets it for a site with `listen:`); " +
      "to run the worker by hand, set PORT",
  });
}

export interface Serving {
  readonly server: Server;
  readonly drainable: Drainable;
}

export async function serve(
  listener: RequestListener,
  hooks: ServerHooks,
  target: ListenTarget,
  log: (message: string) => void,
): Promise<Loaded<Serving>> {
  const server = createServer();
  // Before listening, so it sees every connection.
  const drainable = trackForDrain(server);
  server.on("request", listener);
  if (hooks.upgrade !== undefined) {
    const upgrade = hooks.upgrade;
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        const result = upgrade(req, socket, head);
        if (isThenable(result)) result.then(undefined, (error: unknown) => upgradeFailed(socket, error, log));
      } catch (error) {
        upgradeFailed(socket, error, log);
      }
    });
  }
  if (hooks.configureServer !== undefined) {
    try {
      await hooks.configureServer(server);
    } catch (error) {
      return failed(error instanceof Error ? describeThrown(error) : { message: `configureServer threw ${String(error)}` });
    }
  }
  drainable.trackUpgrades();
  const where = target.type === "fd" ? `fd ${target.fd}` : `${target.host}:${target.port}`;
  const listening = await new Promise<Loaded<undefined>>((resolve) => {
    server.once("error", (error) => resolve(failed({ message: `cannot listen on ${where}: ${error.message}` })));
    try {
      server.listen(target.type === "fd" ? { fd: target.fd } : { port: target.port, host: target.host }, () => resolve(loaded(undefined)));
    } catch (error) {
      resolve(failed({ message: `cannot listen on ${where}: ${error instanceof Error ? error.message : String(error)}` }));
    }
  });
  if (!listening.ok) return listening;
  // An error after listening (EMFILE on accept…) is worth a line, not the worker.
  server.on("error", (error) => log(`server error: ${error.stack ?? error.message}`));
  return loaded({ server, drainable });
}

/** An upgrade handler that threw: the client gets a 500 if nothing was written yet, and the socket goes. */
function upgradeFailed(socket: Duplex, error: unknown, log: (message: string) => void): void {
  log(`error handling an upgrade: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  if (socket.destroyed) return;
  if (((socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0) === 0) {
    socket.end("HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  } else socket.destroy();
}
