/**
 * Where a logged line's time goes in tsgi: the log writer fixture's output through tsgi's own
 * modules (dist/), one stage added at a time, against a chunk-at-a-time pipeline with the same
 * outputs. Prints lines/s and peak RSS per variant.
 *
 *   npx tsc -p tsconfig.json && node --import tsx scripts/bench/profile/log-path.ts [LINES [VARIANT]]
 *
 * Without VARIANT each variant runs in a fresh process of its own (so peak RSS is its own).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { FIXTURE, REPO } from "../lib/paths.js";

const LINES = Number(process.argv[2] ?? 300_000);
/** With a second argument, only that variant (0-based), so its peak RSS is its own. */
const ONLY = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const dist = (file: string): string => pathToFileURL(path.join(REPO, "dist", file)).href;

/** One pipe read's complete lines, as bytes (`src/process/line-reader.ts`). */
interface Lines {
  readonly parts: readonly Buffer[];
  readonly count: number;
}
interface Spawned {
  readonly pid: number;
  forEachLines(from: "stdout" | "stderr" | "notify", sink: (lines: Lines) => void | Promise<void>): Promise<void>;
  readonly exited: Promise<unknown>;
}
interface LogLike {
  output(site: string, proc: number, stream: "out" | "err", lines: Lines): void | Promise<void>;
  setFiles(plan: { dir: string; maxSizeBytes: number; keep: number } | false): void;
  close(): Promise<void>;
}
const { spawnProcess } = (await import(dist("process/spawn.js"))) as {
  spawnProcess: (r: {
    file: string;
    args: string[];
    cwd: string;
    env: Record<string, string>;
    listenFd: undefined;
    uid: undefined;
    gid: undefined;
  }) => Spawned;
};
const { createLog } = (await import(dist("logging/logger.js"))) as {
  createLog: (o: { format: "pretty"; color: boolean; stream: NodeJS.WritableStream }) => LogLike;
};

const writer = path.join(FIXTURE, "log-writer.mjs");
const env = { PATH: process.env["PATH"] ?? "", LINES: String(LINES), WRITE_DELAY_MS: "0" };

function peakRss(): () => number {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage().rss) / 2 ** 20;
  };
}

/** tsgi's path: lines a pipe read at a time (bytes), then (optionally) the winston console and file loggers. */
async function viaTsgi(stage: "lines" | "console" | "console+file", dir: string): Promise<void> {
  const log = createLog({ format: "pretty", color: false, stream: fs.createWriteStream(path.join(dir, "console.out")) });
  if (stage === "console+file") log.setFiles({ dir: path.join(dir, "logs"), maxSizeBytes: 1024 ** 3, keep: 5 });
  const child = spawnProcess({
    file: process.execPath,
    args: [writer],
    cwd: dir,
    env,
    listenFd: undefined,
    uid: undefined,
    gid: undefined,
  });
  let n = 0;
  await child.forEachLines("stdout", (lines) => {
    n += lines.count;
    if (lines.parts.some((part) => part.includes("end-of-log-writer"))) process.kill(child.pid, "SIGTERM");
    return stage === "lines" ? undefined : log.output("lw", 1, "out", lines);
  });
  await log.close();
  if (n < LINES) throw new Error(`only ${n} lines`);
}

/** A chunk-at-a-time pipeline: split by newline, prefix, one write per chunk to each output, backpressure. */
async function chunked(dir: string): Promise<void> {
  const consoleOut = fs.createWriteStream(path.join(dir, "console.out"));
  fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
  const file = fs.createWriteStream(path.join(dir, "logs", "lw.log"), { flags: "a" });
  const child = spawn(process.execPath, [writer], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let partial = "";
  let done = false;
  await new Promise<void>((resolve) => {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      const text = partial + chunk;
      const end = text.lastIndexOf("\n");
      if (end === -1) {
        partial = text;
        return;
      }
      partial = text.slice(end + 1);
      const lines = text.slice(0, end).split("\n");
      const stamp = new Date().toISOString();
      const toFile = `${stamp} ${lines.join(`\n${stamp} `)}\n`;
      const toConsole = `lw.1       | ${lines.join("\nlw.1       | ")}\n`;
      const a = file.write(toFile);
      const b = consoleOut.write(toConsole);
      if (!a || !b) {
        child.stdout.pause();
        let waiting = (a ? 0 : 1) + (b ? 0 : 1);
        const resume = (): void => {
          waiting -= 1;
          if (waiting === 0) child.stdout.resume();
        };
        if (!a) file.once("drain", resume);
        if (!b) consoleOut.once("drain", resume);
      }
      if (!done && text.includes("end-of-log-writer")) {
        done = true;
        child.kill("SIGTERM");
      }
    });
    child.on("close", () => resolve());
  });
  await Promise.all([new Promise((r) => file.end(r)), new Promise((r) => consoleOut.end(r))]);
}

const variants: [string, (dir: string) => Promise<void>][] = [
  ["line reader only", (dir) => viaTsgi("lines", dir)],
  ["+ winston console (pretty)", (dir) => viaTsgi("console", dir)],
  ["+ winston per-site file (tsgi)", (dir) => viaTsgi("console+file", dir)],
  ["chunked: split, prefix, 1 write per chunk, backpressure", (dir) => chunked(dir)],
];
if (ONLY === undefined) {
  for (const index of variants.keys()) {
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1] ?? "", String(LINES), String(index)], {
        stdio: "inherit",
      });
      child.on("close", () => resolve());
    });
  }
}
for (const [index, [name, run]] of variants.entries()) {
  if (ONLY !== index) continue;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-logpath-"));
  try {
    const rss = peakRss();
    const started = performance.now();
    await run(dir);
    const ms = performance.now() - started;
    console.log(
      `${name.padEnd(58)} ${Math.round((LINES * 1000) / ms)
        .toLocaleString("en-US")
        .padStart(10)} lines/s  peak RSS ${rss().toFixed(0)} MiB`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
