/**
 * Talking to a running supervisor through its control socket.
 */
import http from "node:http";

export interface ControlResponse {
  readonly status: number;
  readonly body: unknown;
}

export class SupervisorNotRunning extends Error {}

export function request(socketPath: string, method: "GET" | "POST", path: string): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path, headers: { accept: "application/json" } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: hand back the text
        }
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") {
        reject(new SupervisorNotRunning(`no supervisor is running on ${socketPath} — start one with \`tsgi-supervise sites.yaml\``));
      } else if (error.code === "ECONNRESET") {
        reject(new SupervisorNotRunning(`the supervisor on ${socketPath} closed the connection before answering (is it shutting down?)`));
      } else if (error.code === "EACCES") {
        reject(
          new SupervisorNotRunning(`permission denied on ${socketPath}: the control socket belongs to the user who started the supervisor`),
        );
      } else {
        reject(error);
      }
    });
    req.end();
  });
}

/** Streams NDJSON lines (logs -f) until the supervisor closes the stream or `signal` aborts. */
export function stream(socketPath: string, path: string, onLine: (value: unknown) => void, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method: "GET", path, signal }, (response) => {
      let buffered = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          try {
            onLine(JSON.parse(line));
          } catch {
            onLine(line);
          }
        }
      });
      response.on("end", () => resolve(response.statusCode ?? 0));
      response.on("error", () => resolve(response.statusCode ?? 0));
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.name === "AbortError") return resolve(0);
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") {
        reject(new SupervisorNotRunning(`no supervisor is running on ${socketPath}`));
      } else reject(error);
    });
    req.end();
  });
}
