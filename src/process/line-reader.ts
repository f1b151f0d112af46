/**
 * Lines out of a child's pipe, a chunk at a time, with flow control.
 *
 * Plain `data` events on the stream itself: an async iterator over the lines (execa's
 * `iterable()`, `readline`) keeps an `events.on()` queue per stream — about 96 KiB per site — and
 * costs a promise per line, which capped log throughput at ~0.6 M lines/s. Here each pipe read
 * becomes one array of lines handed on at once.
 *
 * The consumer may answer a batch with a promise: the pipe is paused until it settles. The
 * site then blocks on its own full pipe (as under supervisord) instead of the supervisor
 * buffering what its log file cannot take yet.
 */
import { StringDecoder } from "node:string_decoder";

export type LinesSink = (lines: string[]) => void | Promise<void>;

/** Resolves when the stream has ended (or failed: its end is then reported by the exit). */
export function readLines(stream: NodeJS.ReadableStream | null | undefined, sink: LinesSink): Promise<void> {
  if (stream === null || stream === undefined) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const decoder = new StringDecoder("utf8");
    let partial = "";
    const finish = (): void => {
      const last = partial + decoder.end();
      partial = "";
      if (last !== "") void sink([stripCr(last)]);
      resolve();
    };
    stream.on("data", (chunk: Buffer | string) => {
      const text = partial + (typeof chunk === "string" ? chunk : decoder.write(chunk));
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      if (lines.length === 0) return;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as string;
        if (line.endsWith("\r")) lines[i] = line.slice(0, -1);
      }
      const wait = sink(lines);
      if (wait !== undefined) {
        stream.pause();
        void wait.then(
          () => stream.resume(),
          () => stream.resume(),
        );
      }
    });
    stream.once("end", finish);
    stream.once("error", finish);
    stream.once("close", finish);
  });
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
