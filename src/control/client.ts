/**
 * Talking to a running supervisor through its control socket: one typed call per request of
 * `protocol.ts`, for the CLI commands and the tests alike.
 */
import http from "node:http";
import {
  controlPaths,
  type ActionAnswer,
  type ControlAction,
  type ErrorAnswer,
  type LogLine,
  type ReloadConfigAnswer,
  type SitesAnswer,
  type SupervisorAnswer,
} from "./protocol.js";

export interface ControlResponse {
  readonly status: number;
  readonly body: unknown;
}

export class SupervisorNotRunning extends Error {}

/** One request; the body is parsed JSON when it is JSON, else the text. */
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

// The server writes exactly these shapes (see server.ts); the casts below trust it to.

/** Status of every site. */
export async function getSites(socketPath: string): Promise<SitesAnswer | ErrorAnswer> {
  return (await request(socketPath, "GET", controlPaths.sites)).body as SitesAnswer | ErrorAnswer;
}

/** `start|stop|restart|reload` one site, or every site with `all`; answers when done. */
export async function runAction(socketPath: string, site: string, action: ControlAction): Promise<ActionAnswer | ErrorAnswer> {
  return (await request(socketPath, "POST", controlPaths.action(site, action))).body as ActionAnswer | ErrorAnswer;
}

export async function reloadConfig(socketPath: string): Promise<ReloadConfigAnswer | ErrorAnswer> {
  return (await request(socketPath, "POST", controlPaths.reloadConfig)).body as ReloadConfigAnswer | ErrorAnswer;
}

export async function getSupervisor(socketPath: string): Promise<SupervisorAnswer | ErrorAnswer> {
  return (await request(socketPath, "GET", controlPaths.supervisor)).body as SupervisorAnswer | ErrorAnswer;
}

export function isError(answer: object): answer is ErrorAnswer {
  return "error" in answer;
}

/** The last `lines` lines of a site, then (with `follow`) each new one until `signal` aborts. */
export function followLogs(
  socketPath: string,
  site: string,
  options: { readonly lines: number; readonly follow: boolean },
  onLine: (line: LogLine | ErrorAnswer) => void,
  signal?: AbortSignal,
): Promise<number> {
  return stream(
    socketPath,
    controlPaths.logs(site, options),
    (value) => {
      if (typeof value === "object" && value !== null) onLine(value as LogLine | ErrorAnswer);
    },
    signal,
  );
}

/** Streams NDJSON lines (logs -f, the dashboard's /v1/events) until the supervisor closes the stream or `signal` aborts. */
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
