/**
 * The feed to a browser as Server-Sent Events: one `data:` line of JSON per message. The
 * browser's EventSource reconnects by itself, and a reconnect gets a fresh hello.
 */
import type http from "node:http";
import type { FeedListener } from "./feed.js";

export interface FeedLike {
  /** `ended`: the feed itself ended (the supervisor behind a control socket went away). */
  subscribe(listener: FeedListener, ended?: () => void): Promise<() => void>;
}

/** A comment line now and then keeps idle proxies and `ssh -L` tunnels from closing the stream. */
const HEARTBEAT_MS = 25_000;

export async function serveEvents(response: http.ServerResponse, feed: FeedLike): Promise<void> {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
  });
  response.write("retry: 1000\n\n");
  const stop = await feed.subscribe(
    (message) => response.write(`data: ${JSON.stringify(message)}\n\n`),
    () => response.end(),
  );
  const heartbeat = setInterval(() => response.write(": keep-alive\n\n"), HEARTBEAT_MS);
  heartbeat.unref();
  const end = (): void => {
    clearInterval(heartbeat);
    stop();
  };
  // Not `request.destroyed`: a request read to its end is destroyed while its client still listens.
  if (response.socket === null || response.socket.destroyed) end();
  else response.on("close", end);
}
