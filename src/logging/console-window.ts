/**
 * A bounded window for site output on the console. A console that is a file, a pipe or a TTY is
 * written synchronously on Linux and never holds anything; one that is a socket (or any stream
 * that buffers) could grow without end behind a flooding site. Past `limitBytes` of unwritten
 * output, batches of sites that have a log file are skipped and counted, and the count is
 * reported once the console has caught up. Sites without a log file are never skipped: their
 * console lines are their only copy.
 */

export const CONSOLE_WINDOW_BYTES = 1024 * 1024;

export class ConsoleWindow {
  readonly #stream: NodeJS.WritableStream;
  readonly #limit: number;
  readonly #skipped = new Map<string, number>();
  #report: (site: string, count: number) => void = () => {};
  #waiting = false;

  constructor(stream: NodeJS.WritableStream, limitBytes: number) {
    this.#stream = stream;
    this.#limit = limitBytes;
  }

  onSkipped(report: (site: string, count: number) => void): void {
    this.#report = report;
  }

  /** Whether a batch of `lines` lines of `site` goes to the console now. */
  admit(site: string, lines: number, hasFile: boolean): boolean {
    const pending = (this.#stream as { writableLength?: number }).writableLength ?? 0;
    if (pending <= this.#limit || !hasFile) {
      if (this.#skipped.size > 0 && pending <= this.#limit / 2) this.#flushSkipped();
      return true;
    }
    this.#skipped.set(site, (this.#skipped.get(site) ?? 0) + lines);
    if (!this.#waiting) {
      this.#waiting = true;
      this.#stream.once("drain", () => {
        this.#waiting = false;
        this.#flushSkipped();
      });
    }
    return false;
  }

  #flushSkipped(): void {
    const skipped = [...this.#skipped];
    this.#skipped.clear();
    for (const [site, count] of skipped) this.#report(site, count);
  }
}
