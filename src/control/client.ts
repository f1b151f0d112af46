/**
 * Talking to a running supervisor through its control socket: one typed call per request of
 * `protocol.ts`, for the CLI commands and the tests alike.
 */
import net from "node:net";
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

/**
 * One request; the body is parsed JSON when it is JSON, else the text.
 *
 * Plain HTTP/1.1 over `net` rather than `node:http`: a control command is a process of its own
 * whose cost is its start-up, and the http client's modules (and its agent's first `isIP`, which
 * compiles a large regular expression) were a fifth of it (measured). The answer is read to the
 * end (`Connection: close`), then parsed by `parseResponse`.
 */
export function request(socketPath: string, method: "GET" | "POST", path: string): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const chunks: Buffer[] = [];
    socket.on("connect", () => {
      // Not `end()`: `connection: close` has the server close once it answered, and a half-close
      // before the answer reads as an abort to some servers (a proxy on `supervisor.http`).
      socket.write(
        `${method} ${path} HTTP/1.1\r\nhost: tsgi\r\naccept: application/json\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
      );
    });
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => {
      const parsed = parseResponse(Buffer.concat(chunks));
      if (parsed === undefined) {
        reject(new SupervisorNotRunning(`the supervisor on ${socketPath} closed the connection before answering (is it shutting down?)`));
        return;
      }
      let body: unknown = parsed.text;
      try {
        body = JSON.parse(parsed.text);
      } catch {
        // not JSON: hand back the text
      }
      resolve({ status: parsed.status, body });
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      socket.destroy();
      reject(connectError(socketPath, error));
    });
  });
}

function connectError(socketPath: string, error: NodeJS.ErrnoException): Error {
  switch (error.code) {
    case "ENOENT":
    case "ECONNREFUSED":
      return new SupervisorNotRunning(`no supervisor is running on ${socketPath} — start one with \`tsgi-supervise sites.yaml\``);
    case "ECONNRESET":
    case "EPIPE":
      return new SupervisorNotRunning(`the supervisor on ${socketPath} closed the connection before answering (is it shutting down?)`);
    case "EACCES":
      return new SupervisorNotRunning(
        `permission denied on ${socketPath}: the control socket belongs to the user who started the supervisor`,
      );
    default:
      return error;
  }
}

/**
 * A whole HTTP/1.1 response (status line, headers, a body sized by `content-length`, chunked, or
 * up to the close); `undefined` when it is cut short or not HTTP.
 */
export function parseResponse(raw: Buffer): { readonly status: number; readonly text: string } | undefined {
  const end = raw.indexOf("\r\n\r\n");
  if (end === -1) return undefined;
  const [statusLine = "", ...headerLines] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  if (status === undefined) return undefined;
  const headers = new Map(
    headerLines.map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as const;
    }),
  );
  const rest = raw.subarray(end + 4);
  if (headers.get("transfer-encoding")?.toLowerCase() === "chunked") {
    const body = dechunk(rest);
    return body === undefined ? undefined : { status: Number(status), text: body.toString("utf8") };
  }
  const length = headers.get("content-length");
  if (length === undefined) return { status: Number(status), text: rest.toString("utf8") };
  if (rest.length < Number(length)) return undefined;
  return { status: Number(status), text: rest.subarray(0, Number(length)).toString("utf8") };
}

function dechunk(raw: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf("\r\n", at);
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(raw.subarray(at, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (raw.length < start + size + 2) return undefined;
    parts.push(raw.subarray(start, start + size));
    at = start + size + 2;
  }
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
export async function stream(socketPath: string, path: string, onLine: (value: unknown) => void, signal?: AbortSignal): Promise<number> {
  // Loaded here, not at the top: the one-shot commands do without it (see `request`).
  const http = await import("node:http");
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
