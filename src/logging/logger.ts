/**
 * The supervisor's log: its own events and every line its sites write. winston is imported only
 * here, in `site-files.ts` and in `write-transport.ts`.
 *
 * Console lines are prefixed with the site and process number (`alpha.1 | …`), one colour per
 * site on a terminal; none when `NO_COLOR` is set or the output is not a terminal. `json` emits
 * one object per line for log shippers.
 *
 * A site's output goes through as it was read (one pipe read, as bytes): winston carries each
 * chunk to the console's transport, which frames it there (`console-output.ts`), the site's file
 * frames it with time stamps (`site-files.ts`), the recent window keeps it as it is. Nothing is
 * held back for a later turn, so the log keeps the order things happened in.
 */
import util from "node:util";
import winston from "winston";
import { isoTime } from "../format/iso-time.js";
import { BEFORE_PROC } from "./before-proc.js";
import { CONSOLE_WINDOW_BYTES, ConsoleWindow } from "./console-window.js";
import { ConsoleOutput } from "./console-output.js";
import { RecentLines } from "./recent-lines.js";
import { SiteFiles } from "./site-files.js";
import { writeTransport } from "./write-transport.js";
import type { LogPlan } from "../config/types.js";
import { OutputLines } from "../process/line-reader.js";

export type LogFormat = "pretty" | "json";
export type Level = "info" | "warn" | "error";

export interface LogOptions {
  readonly format: LogFormat;
  readonly color: boolean;
  readonly stream: NodeJS.WritableStream;
  /** The recent lines to keep them in, when made before the log (`deferred-log.ts`). */
  readonly recent?: RecentLines;
}

export interface Log {
  /** A supervisor event, about one site or about the supervisor itself. */
  event(level: Level, message: string, site?: string, fields?: Record<string, unknown>): void;
  /**
   * Lines a site's process wrote (one pipe read, as bytes; text from the supervisor itself and
   * tests); `proc` 0 is one of its `before:` tasks, shown `NAME:before`. A promise back means the
   * site's log file or the console lags: the caller pauses that pipe until it settles, so a flood
   * waits in the site, not in memory.
   */
  output(site: string, proc: number, stream: "out" | "err", lines: OutputLines | string | readonly string[]): void | Promise<void>;
  /** Points per-site files at a (new) log plan; `false` = console only. */
  setFiles(plan: LogPlan | false): void;
  /** Recent lines of each site, and live followers (`logs NAME -n N -f`). */
  readonly recent: RecentLines;
  close(): Promise<void>;
}

const PALETTE = ["cyan", "magenta", "yellow", "green", "blue", "redBright", "cyanBright", "magentaBright"] as const;
const MESSAGE = Symbol.for("message");

/** What reaches the console's transport: a site's lines (framed there, as bytes) or a formatted event. */
type ConsoleEntry =
  | {
      readonly kind: "output";
      readonly level: string;
      readonly site: string;
      readonly proc: number;
      readonly stream: "out" | "err";
      readonly lines: OutputLines;
    }
  | { readonly kind: "event"; readonly [MESSAGE]: unknown };

/**
 * ANSI colouring decided here, not by `util.styleText` (which looks at the process's own
 * stdout): the log may go to another stream, and NO_COLOR / non-terminals are decided by `colorWanted` (`color.ts`).
 */
function style(color: string, text: string): string {
  const codes = util.inspect.colors[color];
  return codes === undefined ? text : `\u001b[${codes[0]}m${text}\u001b[${codes[1]}m`;
}

export function createLog(options: LogOptions): Log {
  const colors = new Map<string, (typeof PALETTE)[number]>();
  const paint = (site: string, text: string): string => {
    if (!options.color) return text;
    let color = colors.get(site);
    if (color === undefined) {
      color = PALETTE[colors.size % PALETTE.length] ?? "cyan";
      colors.set(site, color);
    }
    return style(color, text);
  };
  const dim = (text: string): string => (options.color ? style("dim", text) : text);
  const levelMark = (level: string): string => {
    if (level === "info") return "";
    const text = level === "warn" ? "warning: " : "error: ";
    return options.color ? style(level === "warn" ? "yellow" : "red", text) : text;
  };

  const prettyEvent = (info: winston.Logform.TransformableInfo): string => {
    const site = typeof info["site"] === "string" ? info["site"] : undefined;
    const tag = site === undefined ? "tsgi" : site;
    return `${site === undefined ? dim(tag.padEnd(10)) : paint(site, tag.padEnd(10))} ${dim("»")} ${levelMark(info.level)}${String(info.message)}`;
  };
  const jsonEvent = winston.format.combine(winston.format.timestamp({ format: isoTime }), winston.format.json());
  // A site's output arrives framed as bytes (console-output.ts); events are formatted here.
  const format = winston.format((info) => {
    if (info["kind"] === "output") return info;
    if (options.format === "json") return jsonEvent.transform(info);
    (info as unknown as Record<symbol, unknown>)[MESSAGE] = prettyEvent(info);
    return info;
  })();
  const output = new ConsoleOutput(options.format, (site, proc) => {
    const label = proc === BEFORE_PROC ? `${site}:before` : `${site}.${String(proc)}`;
    return `${paint(site, label.padEnd(10))} | `;
  });
  const write = (info: ConsoleEntry): void => {
    if (info.kind === "output") output.write(options.stream, info.site, info.proc, info.level, info.stream, info.lines);
    else options.stream.write(`${String(info[MESSAGE])}\n`);
  };
  const logger = winston.createLogger({ level: "info", format, transports: [writeTransport(write)] });
  const recent = options.recent ?? new RecentLines();
  const files = new SiteFiles((message) => logger.log({ level: "warn", message, kind: "event" }));
  const consoleWindow = new ConsoleWindow(options.stream, CONSOLE_WINDOW_BYTES);

  // Events can still arrive from processes that end during shutdown; after close they are dropped.
  let closed = false;
  return {
    event(level, message, site, fields) {
      if (closed) return;
      logger.log({ level, message, kind: "event", ...(site === undefined ? {} : { site }), ...fields });
      if (site !== undefined) {
        const line = `[tsgi] ${level === "info" ? "" : `${level}: `}${message}`;
        files.writeLines(site, OutputLines.ofText(line));
        recent.add(site, { time: Date.now(), proc: 0, stream: "tsgi", line });
      }
    },
    output(site, proc, stream, lines) {
      if (closed) return;
      const chunk = lines instanceof OutputLines ? lines : OutputLines.ofText(lines);
      if (chunk.parts.length === 0) return;
      const level = stream === "err" ? "warn" : "info";
      logger.log({ level, message: "", kind: "output", site, proc, stream, lines: chunk });
      files.writeLines(site, chunk);
      recent.addLines(site, proc, stream, chunk, Date.now());
      // A lagging file or console pauses this site's pipe (see console-window.ts, site-files.ts).
      const file = files.lagging(site);
      const console = consoleWindow.lagging();
      if (file === undefined) return console;
      return console === undefined ? file : Promise.all([file, console]).then(() => undefined);
    },
    recent,
    setFiles(plan) {
      files.configure(plan);
    },
    async close() {
      if (closed) return;
      closed = true;
      await files.close();
      // The console stream is written synchronously (a file, a pipe or a TTY on Linux): no
      // flush to wait for, and ending it would close the supervisor's own stdout.
      logger.close();
    },
  };
}
