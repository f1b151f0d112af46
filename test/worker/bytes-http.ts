/**
 * Requests whose bodies are bytes, not text: binary responses, a streamed upload, and a
 * request the client abandons mid-way.
 */
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from "node:http";
import type { BoundSocket } from "./harness.js";

export interface BytesResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export interface BytesOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Written chunk by chunk, with backpressure, before the request ends. */
  readonly body?: Iterable<Uint8Array>;
}

export function target(socket: BoundSocket): { host: string; port: number } | { socketPath: string } {
  return socket.type === "tcp" ? { host: "127.0.0.1", port: socket.port } : { socketPath: socket.path };
}

export function bytesRequest(socket: BoundSocket, path: string, options: BytesOptions = {}): Promise<BytesResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        ...target(socket),
        path,
        method: options.method ?? "GET",
        headers: options.headers as IncomingHttpHeaders,
        agent: false,
        timeout: 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`request ${path} timed out`)));
    req.on("error", reject);
    void writeBody(req, options.body).then(undefined, (error: unknown) => req.destroy(error as Error));
  });
}

async function writeBody(req: ClientRequest, body: Iterable<Uint8Array> | undefined): Promise<void> {
  for (const chunk of body ?? []) {
    if (!req.write(chunk)) await new Promise((resolve) => req.once("drain", resolve));
  }
  req.end();
}
