/**
 * The TCP listener of `supervisor.http` and of `tsgi-supervise dashboard`. Loaded only when one
 * of them is used: a supervisor without `supervisor.http` never imports it.
 */
import http from "node:http";
import { isIP } from "node:net";
import type { RouteDeps } from "./routes.js";
import { routes } from "./routes.js";

export interface HttpListener {
  /** The address actually bound (port 0 = the one the kernel picked). */
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startHttpListener(host: string, port: number, deps: RouteDeps): Promise<HttpListener> {
  const server = http.createServer(routes(deps));
  // Long-lived event streams must not count against the defaults meant for one request.
  server.requestTimeout = 0;
  server.headersTimeout = 20_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  const shown = isIP(host) === 6 ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    host,
    port: bound,
    url: `http://${shown}:${bound}/`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
