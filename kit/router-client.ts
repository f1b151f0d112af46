/**
 * Requests to the development router as a browser makes them: connected to 127.0.0.1:PORT,
 * with the Host header naming the site (`alpha.localhost:PORT`).
 */
import http from "node:http";

export interface RouterAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export function routerGet(port: number, host: string, urlPath = "/", timeoutMs = 20_000): Promise<RouterAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: "127.0.0.1", port, path: urlPath, headers: { host }, agent: false, timeout: timeoutMs },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`GET ${host}${urlPath} timed out after ${timeoutMs} ms`)));
    request.on("error", reject);
  });
}

/** GET /v1/supervisor on the control socket: the supervisor's own open fds. */
export function supervisorFds(controlSocket: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath: controlSocket, path: "/v1/supervisor", agent: false }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => {
          const fds = (JSON.parse(body) as { fds?: number }).fds;
          if (typeof fds === "number") resolve(fds);
          else reject(new Error(`no fd count in ${body}`));
        });
      })
      .on("error", reject);
  });
}
