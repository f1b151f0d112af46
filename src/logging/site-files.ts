/**
 * One log file per site under `supervisor.logs`, rotated by size the logrotate way: `alpha.log`
 * is always the newest, `alpha.log.1` the one before, up to `logKeep` rotated files.
 *
 * winston writes; rotating-file-stream rotates. winston's own File transport loses writes that
 * arrive while it renames files (a site flooding its output lost lines at every rotation);
 * rotating-file-stream holds them until the new file is open.
 *
 * A file that falls behind (more than `LAG_BYTES` not yet written) makes `lagging()` answer a
 * promise that settles on its next drain: the site's pipe is paused meanwhile, so a flooding
 * site waits on its own output instead of filling the supervisor's memory. A folder that cannot
 * be written is reported once, then the site runs on with console logging only.
 */
import fs from "node:fs";
import path from "node:path";
import { createStream, type RotatingFileStream } from "rotating-file-stream";
import winston from "winston";
import type { LogPlan } from "../config/types.js";

// Messages arrive already stamped, one line per line (see `writeLines`).
/** Unwritten bytes (in the file stream, or batches still inside winston) that pause a site. */
const LAG_BYTES = 256 * 1024;
const LAG_BATCHES = 8;
const lineFormat = winston.format.printf((info) => String(info.message));

export function siteLogPath(dir: string, site: string): string {
  // Site names are validated as [a-z0-9][a-z0-9_-]*, so the name can never leave the folder.
  return path.join(dir, `${site}.log`);
}

export class SiteFiles {
  #plan: LogPlan | false = false;
  readonly #loggers = new Map<string, winston.Logger | null>();
  readonly #streams = new Map<string, RotatingFileStream>();
  readonly #drains = new Map<string, Promise<void>>();
  readonly #reported = new Set<string>();
  readonly #report: (message: string) => void;

  constructor(report: (message: string) => void) {
    this.#report = report;
  }

  configure(plan: LogPlan | false): void {
    const same =
      plan !== false &&
      this.#plan !== false &&
      plan.dir === this.#plan.dir &&
      plan.maxSizeBytes === this.#plan.maxSizeBytes &&
      plan.keep === this.#plan.keep;
    if (same || (plan === false && this.#plan === false)) return;
    void this.close();
    this.#plan = plan;
  }

  /** A batch of lines, each stamped with the time it was handed on, in one write. */
  writeLines(site: string, lines: readonly string[]): void {
    const logger = this.#loggerFor(site);
    if (logger === null) return;
    const stamp = `${new Date().toISOString()} `;
    logger.info(stamp + lines.join(`\n${stamp}`));
  }

  /** A promise while the site's file lags behind its output, settled once it caught up. */
  lagging(site: string): Promise<void> | undefined {
    const existing = this.#drains.get(site);
    if (existing !== undefined) return existing;
    const stream = this.#streams.get(site);
    const logger = this.#loggers.get(site);
    if (stream === undefined || logger === undefined || logger === null) return undefined;
    const behind = (): boolean => stream.writableLength > LAG_BYTES || logger.writableLength + logger.readableLength > LAG_BATCHES;
    if (!behind()) return undefined;
    const drained = new Promise<void>((resolve) => {
      const check = (): void => {
        if (behind() && this.#streams.get(site) === stream) return;
        clearInterval(timer);
        stream.off("drain", check);
        this.#drains.delete(site);
        resolve();
      };
      // 'drain' is the usual wake-up; the slow timer covers batches still inside winston, and a
      // stream that errored or was closed (the site must never stay paused).
      const timer = setInterval(check, 50);
      stream.on("drain", check);
    });
    this.#drains.set(site, drained);
    return drained;
  }

  #loggerFor(site: string): winston.Logger | null {
    const existing = this.#loggers.get(site);
    if (existing !== undefined) return existing;
    const plan = this.#plan;
    if (plan === false) {
      this.#loggers.set(site, null);
      return null;
    }
    const file = siteLogPath(plan.dir, site);
    try {
      fs.mkdirSync(plan.dir, { recursive: true });
      fs.accessSync(plan.dir, fs.constants.W_OK);
    } catch (error) {
      this.#fail(site, file, error);
      return null;
    }
    const stream = createStream(`${site}.log`, {
      path: plan.dir,
      size: `${Math.max(1, Math.ceil(plan.maxSizeBytes / 1024))}K`,
      rotate: Math.max(1, plan.keep),
    });
    stream.on("error", (error: unknown) => this.#fail(site, file, error));
    this.#streams.set(site, stream);
    const transport = new winston.transports.Stream({ stream });
    transport.on("error", (error: unknown) => this.#fail(site, file, error));
    // The format on the logger, not only on the transport: winston's default logger format is
    // `json()`, which would serialise (and escape) every batch before the transport's own format.
    const logger = winston.createLogger({ level: "info", format: lineFormat, transports: [transport] });
    this.#loggers.set(site, logger);
    return logger;
  }

  #fail(site: string, file: string, error: unknown): void {
    this.#loggers.set(site, null);
    if (this.#reported.has(site)) return;
    this.#reported.add(site);
    const reason = error instanceof Error ? error.message : String(error);
    this.#report(`${site}: cannot write its log file ${file} (${reason}); its output goes to the console only`);
  }

  /** Ends every file, waiting (a bounded time) until what was written is on disk. */
  async close(): Promise<void> {
    const streams = [...this.#streams.values()];
    this.#loggers.clear();
    this.#streams.clear();
    await Promise.all(
      streams.map(
        (stream) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 2000);
            timer.unref();
            stream.once("finish", () => {
              clearTimeout(timer);
              resolve();
            });
            stream.once("error", () => resolve());
            stream.end();
          }),
      ),
    );
  }
}
