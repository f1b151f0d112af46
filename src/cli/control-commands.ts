/**
 * The commands that talk to a running supervisor: status, start/stop/restart/reload, logs,
 * reload-config. Each waits for the result, says what happened, and exits 1 on failure.
 */
import { readFileSync } from "node:fs";
import { quickControlPath } from "../config/control-path.js";
import { followLogs, getSites, isError, reloadConfig, runAction, SupervisorNotRunning } from "../control/client.js";
import type { ErrorAnswer } from "../control/protocol.js";
import type { Command, ControlTarget } from "./args.js";
import { renderStatusTable } from "./status-table.js";

type Io = { readonly out: NodeJS.WritableStream; readonly err: NodeJS.WritableStream };

/**
 * The socket to talk to. The plain `supervisor.control` form is read from the file's lines;
 * anything else (or an unreadable file, with its error) goes through the config loader, which is
 * loaded only then: it is most of a control command's start-up otherwise.
 */
async function socketOf(target: ControlTarget, io: Io): Promise<string | number> {
  if (target.type === "socket") return target.path;
  const found = await controlSocketOfFile(target.file);
  if (!found.ok) {
    io.err.write(`${found.problem}\n`);
    return 2;
  }
  return found.path;
}

/** The control socket of the supervisor on `file` (the test kit asks the same way). */
export async function controlSocketOfFile(
  file: string,
): Promise<{ readonly ok: true; readonly path: string } | { readonly ok: false; readonly problem: string }> {
  const text = readOrUndefined(file);
  const quick = text === undefined ? undefined : quickControlPath(file, text);
  if (quick !== undefined) return { ok: true, path: quick };
  const { controlSocketOf, formatIssues } = await import("../config/load.js");
  const found = await controlSocketOf(file);
  return found.ok ? found : { ok: false, problem: formatIssues(found.errors) };
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined; // the loader below says why, with the file's name
  }
}

function fail(io: Io, answer: ErrorAnswer): number {
  io.err.write(`tsgi: ${answer.error}\n`);
  return 1;
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
        const answer = await getSites(socket);
        if (isError(answer)) return fail(io, answer);
        io.out.write(command.json ? `${JSON.stringify(answer.sites, null, 2)}\n` : renderStatusTable(answer.sites));
        return 0;
      }
      case "action": {
        const answer = await runAction(socket, command.site, command.action);
        if (isError(answer)) return fail(io, answer);
        for (const result of Object.values(answer.results)) (result.ok ? io.out : io.err).write(`${result.message}\n`);
        return answer.ok ? 0 : 1;
      }
      case "reload-config": {
        const answer = await reloadConfig(socket);
        if (isError(answer)) return fail(io, answer);
        if (!answer.ok) {
          io.err.write(`${answer.errors}\nnothing changed\n`);
          return 2;
        }
        const report = answer.report;
        io.out.write(
          `added: ${report.added.join(", ") || "-"}\nremoved: ${report.removed.join(", ") || "-"}\nchanged: ${report.changed.join(", ") || "-"}\nunchanged: ${report.unchanged.join(", ") || "-"}\n`,
        );
        for (const result of Object.values(report.results)) (result.ok ? io.out : io.err).write(`${result.message}\n`);
        return Object.values(report.results).every((r) => r.ok) ? 0 : 1;
      }
      case "logs": {
        const abort = new AbortController();
        process.once("SIGINT", () => abort.abort());
        const status = await followLogs(
          socket,
          command.site,
          { lines: command.lines, follow: command.follow },
          (line) => {
            if (isError(line)) io.err.write(`tsgi: ${line.error}\n`);
            else io.out.write(`${command.site}.${line.proc} | ${line.line}\n`);
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
