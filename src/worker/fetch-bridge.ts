/**
 * Between Node's `http` and the Fetch API: an `IncomingMessage` becomes a standard `Request`,
 * a `Response` is streamed back into the `ServerResponse`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { pipeline } from "node:stream/promises";

/** `signal` aborts when the client goes away before the response is complete. */
export function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const method = req.method ?? "GET";
  const headers = toHeaders(req.rawHeaders);
  if (method === "GET" || method === "HEAD") return new Request(requestURL(req), { method, headers, signal });
  // `duplex: "half"` is what undici requires of a streamed body (absent from Node 20's RequestInit type).
  const init: RequestInit & { duplex: "half" } = {
    method,
    headers,
    signal,
    body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
    duplex: "half",
  };
  return new Request(requestURL(req), init);
}

/**
 * Reads away whatever request body the handler left unread, as Node does for its own handlers:
 * until the body is consumed the connection cannot carry the next keep-alive request. Node's
 * own clean-up skips a request that `Readable.toWeb` has started reading.
 */
export function discardUnreadBody(req: IncomingMessage): void {
  if (req.complete) return;
  req.removeAllListeners("data");
  req.resume();
}

/** HTTP/1.0 clients may send no Host, and a bad one must not fail the request. */
function requestURL(req: IncomingMessage): URL {
  const path = req.url ?? "/";
  try {
    return new URL(path, `http://${req.headers.host ?? "localhost"}`);
  } catch {
    return new URL(path, "http://localhost");
  }
}

/** From `rawHeaders`, so repeated headers stay repeated. */
function toHeaders(raw: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    if (name === undefined || value === undefined) continue;
    try {
      headers.append(name, value);
    } catch {
      // Node's parser accepts a few bytes the Fetch spec does not; drop that header alone.
    }
  }
  return headers;
}

const NO_BODY_STATUSES = new Set([204, 205, 304]);

export async function sendResponse(res: ServerResponse, response: Response, isHead: boolean): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText !== "") res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  // Iterating Headers would fold cookies into one line, which browsers cannot split back.
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);

  const body = response.body;
  if (body === null || isHead || NO_BODY_STATUSES.has(response.status)) {
    await body?.cancel();
    res.end();
    return;
  }
  await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), res);
}
