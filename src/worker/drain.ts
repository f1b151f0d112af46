/**
 * Stopping gracefully: stop accepting, let in-flight requests finish, close keep-alive
 * connections as they fall idle, and report when the last connection is gone.
 *
 * Closing our copy of the listening socket does not close the socket: the supervisor and the
 * next generation hold it, and connections arriving meanwhile wait in the kernel's backlog.
 */
import type { Server, ServerResponse } from "node:http";

export interface Drainable {
  /** Resolves once every connection is closed. Single-flight: later calls share the first. */
  drain(): Promise<void>;
}

export function trackForDrain(server: Server): Drainable {
  const inFlight = new Set<ServerResponse>();
  let draining: Promise<void> | undefined;

  server.on("request", (_req, res: ServerResponse) => {
    inFlight.add(res);
    if (draining !== undefined) closeAfterResponse(res);
    res.once("close", () => {
      inFlight.delete(res);
      // The connection becomes idle only once Node has finished with this response.
      if (draining !== undefined) setImmediate(() => server.closeIdleConnections());
    });
  });

  return {
    drain() {
      draining ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const res of inFlight) closeAfterResponse(res);
        server.closeIdleConnections();
      });
      return draining;
    },
  };
}

/** `Connection: close` makes Node end the connection after this response instead of keeping it. */
function closeAfterResponse(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader("connection", "close");
}
