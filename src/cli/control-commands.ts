/**
 * The commands that talk to a running supervisor: status, start/stop/restart/reload, logs,
 * reload-config. Each waits for the result, says what happened, and exits 1 on failure.
 */
import { controlSocketOf, formatIssues } from "../config/load.js";
import { request, stream, SupervisorNotRunning } from "../control/client.js";
import type { SiteStatus } from "../control/status.js";
import type { Command, ControlTarget } from "./args.js";
import { renderStatusTable } from "./status-table.js";

type Io = { readonly out: NodeJS.WritableStream; readonly err: NodeJS.WritableStream };

async function socketOf(target: ControlTarget, io: Io): Promise<string | number> {
  if (target.type === "socket") return target.path;
  const found = await controlSocketOf(target.file);
  if (!found.ok) {
    io.err.write(`${formatIssues(found.errors)}\n`);
    return 2;
  }
  return found.path;
}

export async function controlCommand(
  command: Exclude<Extract<Command, { control: ControlTarget }>, { name: "dashboard" }>,
  io: Io,
): Promise<number> {
  const socket = await socketOf(command.control, io);
  if (typeof socket === "number") return socket;
  try {
    switch (command.name) {
      case "status": {
        const response = await request(socket, "GET", "/v1/sites");
        const sites = (response.body as { sites: SiteStatus[] }).sites;
        io.out.write(command.json ? `${JSON.stringify(sites, null, 2)}\n` : renderStatusTable(sites));
        return 0;
      }
      case "action": {
        const response = await request(socket, "POST", `/v1/sites/${encodeURIComponent(command.site)}/${command.action}`);
        const body = response.body as { ok?: boolean; results?: Record<string, { ok: boolean; message: string }>; error?: string };
        if (body.error !== undefined) {
          io.err.write(`tsgi: ${body.error}\n`);
          return 1;
        }
        for (const result of Object.values(body.results ?? {})) (result.ok ? io.out : io.err).write(`${result.message}\n`);
        return body.ok === true ? 0 : 1;
      }
      case "reload-config": {
        const response = await request(socket, "POST", "/v1/reload-config");
        const body = response.body as {
          ok: boolean;
          errors?: string;
          report?: {
            added: string[];
            removed: string[];
            changed: string[];
            unchanged: string[];
            results: Record<string, { ok: boolean; message: string }>;
          };
        };
        if (!body.ok) {
          io.err.write(`${body.errors ?? "reload-config failed"}\nnothing changed\n`);
          return 2;
        }
        const report = body.report;
        if (report !== undefined) {
          io.out.write(
            `added: ${report.added.join(", ") || "-"}\nremoved: ${report.removed.join(", ") || "-"}\nchanged: ${report.changed.join(", ") || "-"}\nunchanged: ${report.unchanged.join(", ") || "-"}\n`,
          );
          for (const result of Object.values(report.results)) (result.ok ? io.out : io.err).write(`${result.message}\n`);
          return Object.values(report.results).every((r) => r.ok) ? 0 : 1;
        }
        return 0;
      }
      case "logs": {
        const abort = new AbortController();
        process.once("SIGINT", () => abort.abort());
        const status = await stream(
          socket,
          `/v1/sites/${encodeURIComponent(command.site)}/logs?lines=${command.lines}${command.follow ? "&follow=1" : ""}`,
          (value) => {
            if (typeof value === "object" && value !== null && "line" in value) {
              const line = value as { proc: number; stream: string; line: string };
              io.out.write(`${command.site}.${line.proc} | ${line.line}\n`);
            } else if (typeof value === "object" && value !== null && "error" in value) {
              io.err.write(`tsgi: ${(value as { error: string }).error}\n`);
            }
          },
          abort.signal,
        );
        return status === 200 || status === 0 ? 0 : 1;
      }
      default:
        throw new Error(`unknown command ${JSON.stringify(command satisfies never)}`);
    }
  } catch (error) {
    if (error instanceof SupervisorNotRunning) {
      io.err.write(`tsgi: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
