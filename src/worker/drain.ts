/**
 * Stopping gracefully: stop accepting, let in-flight requests finish, close keep-alive
 * connections as they fall idle, close WebSockets with 1012 (service restart), and report when
 * the last connection is gone.
 *
 * Closing our copy of the listening socket does not close the socket: the supervisor and the
 * next generation hold it, and connections arriving meanwhile wait in the kernel's backlog.
 */
import { ServerResponse, type IncomingMessage, type Server } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

export interface Drainable {
  /** Resolves once every connection is closed. Single-flight: later calls share the first. */
  drain(): Promise<void>;
}

export interface DrainTracker extends Drainable {
  /**
   * Called once the app has added its own `upgrade` listeners (or none): from then on upgraded
   * connections are tracked too.
   */
  trackUpgrades(): void;
}

/** How long a WebSocket peer has to answer our close frame before its socket is cut. */
const CLOSE_GRACE_MS = 2000;

export function trackForDrain(server: Server): DrainTracker {
  // Connections, not requests: nothing per request while serving (keep-alive connections carry
  // thousands), and what a drain needs is on the connection: the response in flight, if any.
  const connections = new Set<Socket>();
  const upgraded = new Set<Duplex>();
  let draining: Promise<void> | undefined;

  server.on("connection", (socket: Socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
  });

  // The connection becomes idle only once Node has finished with the response.
  const closeWhenDone = (res: ServerResponse): void => {
    closeAfterResponse(res);
    res.once("close", () => setImmediate(() => server.closeIdleConnections()));
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex): void => {
    if (req.headers.upgrade?.toLowerCase() !== "websocket") return;
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    if (draining !== undefined) closeWebSocket(socket);
  };

  return {
    drain() {
      draining ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // First of the request listeners from now on, so it sees a response before the app sends it.
        server.prependListener("request", (_req: IncomingMessage, res: ServerResponse) => closeWhenDone(res));
        for (const socket of connections) {
          const res = (socket as Socket & { _httpMessage?: unknown })._httpMessage;
          // instanceof says ServerResponse<any>: what this server makes is ServerResponse<IncomingMessage>.
          if (res instanceof ServerResponse) closeWhenDone(res as ServerResponse);
        }
        server.closeIdleConnections();
        for (const socket of upgraded) closeWebSocket(socket);
      });
      return draining;
    },
    trackUpgrades() {
      // Only beside the app's own listeners: an `upgrade` listener makes Node hand the socket
      // over, and nobody would answer it.
      if (server.listenerCount("upgrade") > 0) server.prependListener("upgrade", onUpgrade);
    },
  };
}

/** `Connection: close` makes Node end the connection after this response instead of keeping it. */
function closeAfterResponse(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader("connection", "close");
}

/** An unmasked close frame, status 1012 (service restart): the client reconnects, to the new generation. */
const CLOSE_1012 = Buffer.from([0x88, 0x02, 0x03, 0xf4]);

/**
 * Tells a WebSocket client the server restarts, whatever library the app speaks it with: a
 * control frame may go between any two frames, and the library writes whole frames. Sent only
 * after the handshake's answer went out; a socket still handshaking is cut at the grace's end.
 */
function closeWebSocket(socket: Duplex): void {
  if (socket.destroyed) return;
  const written = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
  if (written > 0) socket.end(CLOSE_1012);
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}
