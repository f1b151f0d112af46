/**
 * One log file per site under `supervisor.logs`, rotated by size the logrotate way: `alpha.log`
 * is always the newest, `alpha.log.1` the one before, up to `logKeep` rotated files.
 *
 * winston writes; `log-file.ts` appends and rotates. winston's own File transport loses writes
 * that arrive while it renames files (a site flooding its output lost lines at every rotation);
 * a `LogFile` holds them until the new file is open. One winston logger serves every site (its
 * transport picks the site's file), so a site costs its `LogFile` and nothing more, and the file
 * is opened on the site's first line.
 *
 * Lines go in as bytes (`OutputLines`), each stamped with the time it was handed on
 * (`frame-lines.ts`): nothing is decoded on the way to the file.
 *
 * A file that falls behind (more than `LAG_BYTES` not yet written) makes `lagging()` answer a
 * promise that settles on its next drain: the site's pipe is paused meanwhile, so a flooding
 * site waits on its own output instead of filling the supervisor's memory. A folder that cannot
 * be written is reported once, then the site runs on with console logging only.
 */
import fs from "node:fs";
import path from "node:path";
import winston from "winston";
import { isoTime } from "../format/iso-time.js";
import { LineFramer } from "./frame-lines.js";
import { LogFile } from "./log-file.js";
import { writeTransport } from "./write-transport.js";
import type { LogPlan } from "../config/types.js";
import type { OutputLines } from "../process/line-reader.js";

/**
 * Unwritten bytes that pause a site. Large enough that the file's writes (on libuv's thread pool,
 * which a loaded machine schedules late) rarely stall a flood; small enough to be a bounded cost.
 */
const LAG_BYTES = 1024 * 1024;
const NO_SUFFIX = Buffer.alloc(0);

export function siteLogPath(dir: string, site: string): string {
  // Site names are validated as [a-z0-9][a-z0-9_-]*, so the name can never leave the folder.
  return path.join(dir, `${site}.log`);
}

interface FileEntry {
  readonly site: string;
  readonly lines: OutputLines;
}

export class SiteFiles {
  #plan: LogPlan | false = false;
  /** Each site's file once it has written, `null` when it cannot (reported once). */
  readonly #files = new Map<string, LogFile | null>();
  readonly #drains = new Map<string, Promise<void>>();
  readonly #reported = new Set<string>();
  readonly #report: (message: string) => void;
  readonly #framer = new LineFramer();
  #logger: winston.Logger | undefined;

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

  /** A chunk of lines, each stamped with the time it is handed on. */
  writeLines(site: string, lines: OutputLines): void {
    if (this.#plan === false || this.#files.get(site) === null || lines.parts.length === 0) return;
    this.#loggerOf().log({ level: "info", message: "", site, lines });
  }

  /** A promise while the site's file lags behind its output, settled once it caught up. */
  lagging(site: string): Promise<void> | undefined {
    const existing = this.#drains.get(site);
    if (existing !== undefined) return existing;
    const file = this.#files.get(site);
    if (file === undefined || file === null || file.pending <= LAG_BYTES) return undefined;
    const drained = new Promise<void>((resolve) => {
      file.whenBelow(LAG_BYTES / 2, () => {
        this.#drains.delete(site);
        resolve();
      });
    });
    this.#drains.set(site, drained);
    return drained;
  }

  #loggerOf(): winston.Logger {
    // The format on the logger, not only on the transport: winston's default logger format is
    // `json()`, which would serialise every entry before the transport saw it.
    this.#logger ??= winston.createLogger({
      level: "info",
      format: winston.format((info) => info)(),
      transports: [writeTransport((entry: FileEntry) => this.#write(entry))],
    });
    return this.#logger;
  }

  #write({ site, lines }: FileEntry): void {
    const file = this.#fileOf(site);
    if (file === null) return;
    const stamp = Buffer.from(`${isoTime()} `);
    file.append(this.#framer.frame(lines.parts, stamp, NO_SUFFIX, lines.count));
  }

  #fileOf(site: string): LogFile | null {
    const existing = this.#files.get(site);
    if (existing !== undefined) return existing;
    const plan = this.#plan;
    if (plan === false) return null;
    const file = siteLogPath(plan.dir, site);
    try {
      fs.mkdirSync(plan.dir, { recursive: true });
      fs.accessSync(plan.dir, fs.constants.W_OK);
    } catch (error) {
      this.#fail(site, file, error);
      return null;
    }
    const log = new LogFile({
      file,
      maxSizeBytes: plan.maxSizeBytes,
      keep: Math.max(1, plan.keep),
      onError: (error) => this.#fail(site, file, error),
    });
    this.#files.set(site, log);
    return log;
  }

  #fail(site: string, file: string, error: unknown): void {
    this.#files.set(site, null);
    if (this.#reported.has(site)) return;
    this.#reported.add(site);
    const reason = error instanceof Error ? error.message : String(error);
    this.#report(`${site}: cannot write its log file ${file} (${reason}); its output goes to the console only`);
  }

  /** Ends every file, waiting (a bounded time) until what was written is on disk. */
  async close(): Promise<void> {
    const files = [...this.#files.values()].filter((file) => file !== null);
    this.#files.clear();
    await Promise.all(
      files.map(
        (file) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 2000);
            timer.unref();
            void file.close().then(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
}
