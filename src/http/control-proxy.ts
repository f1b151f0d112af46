/**
 * `/v1/` of `tsgi-supervise dashboard`: each request passed as it is to the supervisor's control
 * socket and the answer streamed back (a followed log included). The browser's cookie and token
 * stay here; the control socket needs neither.
 */
import http from "node:http";

export function controlProxy(socketPath: string): http.RequestListener {
  return (request, response) => {
    const upstream = http.request(
      { socketPath, method: request.method, path: request.url, headers: { accept: request.headers.accept ?? "application/json" } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, {
          "content-type": answer.headers["content-type"] ?? "application/json",
          "cache-control": "no-store",
        });
        answer.pipe(response);
      },
    );
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (response.headersSent) return response.destroy();
      const body = JSON.stringify({
        error: `the supervisor's control socket ${socketPath} does not answer (${error.code ?? error.message}): is the supervisor still running?`,
      });
      response.writeHead(502, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      response.end(body);
    });
    response.on("close", () => upstream.destroy());
    request.pipe(upstream);
  };
}
