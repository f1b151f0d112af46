/**
 * One log file per site under `supervisor.logs`, rotated by size (winston's File transport:
 * `maxsize`, `maxFiles`, `tailable`, so `alpha.log` is always the newest).
 *
 * Writes never block a site: winston's file stream is asynchronous and the site's pipe is read
 * regardless. A folder that cannot be written is reported once, then the site runs on with
 * console logging only.
 */
import fs from "node:fs";
import path from "node:path";
import winston from "winston";
import type { LogPlan } from "../config/types.js";

const lineFormat = winston.format.printf((info) => `${new Date().toISOString()} ${String(info.message)}`);

export function siteLogPath(dir: string, site: string): string {
  // Site names are validated as [a-z0-9][a-z0-9_-]*, so the name can never leave the folder.
  return path.join(dir, `${site}.log`);
}

export class SiteFiles {
  #plan: LogPlan | false = false;
  readonly #loggers = new Map<string, winston.Logger | null>();
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

  write(site: string, line: string): void {
    const logger = this.#loggerFor(site);
    logger?.info(line);
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
    const transport = new winston.transports.File({
      filename: file,
      maxsize: plan.maxSizeBytes,
      maxFiles: plan.keep,
      tailable: true,
      format: lineFormat,
    });
    transport.on("error", (error: unknown) => this.#fail(site, file, error));
    const logger = winston.createLogger({ level: "info", transports: [transport] });
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

  async close(): Promise<void> {
    const loggers = [...this.#loggers.values()].filter((l): l is winston.Logger => l !== null);
    this.#loggers.clear();
    await Promise.all(
      loggers.map(
        (logger) =>
          new Promise<void>((resolve) => {
            logger.on("finish", () => resolve());
            logger.end();
            setTimeout(resolve, 1000).unref();
          }),
      ),
    );
  }
}
