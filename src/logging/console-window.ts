/**
 * A bounded window for site output on the console. A console that is a file or a TTY is written
 * synchronously and never holds anything; a pipe or a socket can buffer without end behind a
 * flooding site when its reader is slower. Past `limitBytes` of unwritten output, `lagging()`
 * answers a promise that settles on the stream's next drain: the sites writing meanwhile are
 * paused on their own pipes, so nothing is lost and nothing piles up in the supervisor.
 */

export const CONSOLE_WINDOW_BYTES = 1024 * 1024;

export class ConsoleWindow {
  readonly #stream: NodeJS.WritableStream;
  readonly #limit: number;
  #drained: Promise<void> | undefined;

  constructor(stream: NodeJS.WritableStream, limitBytes: number) {
    this.#stream = stream;
    this.#limit = limitBytes;
  }

  lagging(): Promise<void> | undefined {
    if (this.#drained !== undefined) return this.#drained;
    const pending = (this.#stream as { writableLength?: number }).writableLength ?? 0;
    if (pending <= this.#limit) return undefined;
    this.#drained = new Promise<void>((resolve) => {
      const done = (): void => {
        this.#drained = undefined;
        this.#stream.off("drain", done);
        this.#stream.off("close", done);
        resolve();
      };
      this.#stream.on("drain", done);
      // A console that went away (its reader quit) must not keep the sites paused.
      this.#stream.on("close", done);
    });
    return this.#drained;
  }
}
