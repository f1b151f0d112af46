/**
 * The notify pipe: how a site's process talks back to the supervisor, whatever its language.
 *
 * Every process gets a pipe as file descriptor 4 (`TSGI_NOTIFY_FD=4`) and may write JSON lines
 * to it — the role systemd's `NOTIFY_SOCKET` plays. Because each process has its own pipe, a
 * message always comes from the generation that wrote it, never from the old one sharing the
 * listening socket: that is what lets a reload tell the new generation's readiness apart.
 */

export const NOTIFY_FD = 4;
export const LISTEN_FD = 3;

export type NotifyMessage =
  /** The process serves requests (tsgi's worker after `listen`, gunicorn after every worker booted). */
  | { readonly type: "ready"; readonly pid?: number }
  /** Files the process actually loaded, so hot reload can watch exactly those. */
  | { readonly type: "loaded"; readonly files: readonly string[] }
  /** The process failed to start; where and why (a syntax error names file and line). */
  | {
      readonly type: "error";
      readonly message: string;
      readonly file?: string;
      readonly line?: number;
      readonly column?: number;
    };

/** Parses one line from the pipe; anything malformed is ignored rather than trusted. */
export function parseNotifyLine(line: string): NotifyMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  switch (record["type"]) {
    case "ready":
      return typeof record["pid"] === "number" ? { type: "ready", pid: record["pid"] } : { type: "ready" };
    case "loaded": {
      const files = record["files"];
      if (!Array.isArray(files)) return undefined;
      return { type: "loaded", files: files.filter((f): f is string => typeof f === "string") };
    }
    case "error": {
      if (typeof record["message"] !== "string") return undefined;
      const msg: { type: "error"; message: string; file?: string; line?: number; column?: number } = {
        type: "error",
        message: record["message"],
      };
      if (typeof record["file"] === "string") msg.file = record["file"];
      if (typeof record["line"] === "number") msg.line = record["line"];
      if (typeof record["column"] === "number") msg.column = record["column"];
      return msg;
    }
    default:
      return undefined;
  }
}

export function formatNotifyMessage(message: NotifyMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** `file:line:col: message` of what a process reported on its notify pipe. */
export function describeReported(error: { message: string; file?: string; line?: number; column?: number }): string {
  if (error.file === undefined) return error.message;
  return `${error.file}${error.line === undefined ? "" : `:${error.line}`}${error.column === undefined ? "" : `:${error.column}`}: ${error.message}`;
}
