/**
 * Serving a Fetch application on Node's `http`: `@hono/node-server`'s request listener, the
 * fastest well-kept adapter measured here (BENCHMARKS.md, `worker` scenario), which already
 * does what a hand-written bridge got wrong or slow:
 *
 * - the `Request` is built only as far as the handler reads it (url and method up front;
 *   headers, body and `signal` on first use), from `rawHeaders`, so repeated headers stay;
 * - a `Response` made from a string, `Uint8Array` or `null` is written straight to the socket
 *   (its `Response` stands in for the global one and keeps the body as given); only real
 *   streams are streamed, with backpressure;
 * - `signal` aborts when the client goes away before the response is complete;
 * - a request body the handler never read is drained, so keep-alive connections stay usable;
 * - `set-cookie` lines stay separate.
 *
 * Loaded only for Fetch applications: touching `Request`/`Response` loads Node's fetch
 * implementation, megabytes a Node handler (Express) never needs.
 */
import type { RequestListener } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { Log } from "./request-listener.js";
import { isThenable } from "./thenable.js";

export type FetchCall = (request: Request, ...rest: unknown[]) => unknown;

/** The body of the 500 answer: nothing about the error leaks to the client. */
const INTERNAL_ERROR = "Internal Server Error\n";

export function fetchListener(fetch: FetchCall, log: Log): RequestListener {
  const checked = (response: unknown): Response => {
    if (response instanceof Response) return response;
    throw new TypeError(`the fetch handler returned ${describe(response)} instead of a Response`);
  };
  // Synchronous results stay synchronous: the adapter writes those without a promise turn.
  const call = (request: Request, env: unknown): unknown => {
    const result = fetch(request, env);
    return isThenable(result) ? Promise.resolve(result).then(checked) : checked(result);
  };
  const listener = getRequestListener(call, {
    // HTTP/1.0 clients may send no Host; the URL still needs one.
    hostname: "localhost",
    errorHandler(error) {
      const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error);
      log(`error handling a request: ${detail}`);
      return new Response(INTERNAL_ERROR, { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } });
    },
  }) as RequestListener;
  writeArrayBuffersDirectly();
  return listener;
}

/**
 * The adapter's `Response` keeps a string or `Uint8Array` body as given and writes it in one go;
 * any other body goes through a real `Response` and a stream reader. An `ArrayBuffer` (or another
 * typed array) becomes a `Uint8Array` view of the same bytes first, so it takes the direct way.
 */
function writeArrayBuffersDirectly(): void {
  const Base = globalThis.Response;
  class WorkerResponse extends Base {
    // As the adapter's class does: a Response from anywhere (fetch(), Node's own) is a Response.
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof Base;
    }
    constructor(body?: BodyInit | null, init?: ResponseInit) {
      super(asBytes(body), init);
    }
  }
  Object.defineProperty(globalThis, "Response", { value: WorkerResponse, writable: true, configurable: true });
}

function asBytes(body: BodyInit | null | undefined): BodyInit | null | undefined {
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body) && !(body instanceof Uint8Array)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  return body;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  // Object.create(null) has no constructor, whatever the types say.
  if (typeof value === "object") return `an object (${(value as { constructor?: { name: string } }).constructor?.name ?? "no prototype"})`;
  return `a ${typeof value}`;
}
