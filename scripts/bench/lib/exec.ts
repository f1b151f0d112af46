/** Running the peers' command-line tools (bounded in time) and their long-running daemons. */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";

export interface RunResult {
  readonly code: number | null;
  readonly output: string;
  readonly ms: number;
}

/** Runs a command to completion (killed at `timeoutMs`); throws when it fails. */
export function run(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; allowFail?: boolean } = {},
): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { env: options.env ?? process.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    child.stderr.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const result = { code, output, ms: performance.now() - started };
      if (code !== 0 && options.allowFail !== true) {
        reject(new Error(`${file} ${args.join(" ")} exited with ${String(code)}: ${output.trim().slice(-2000)}`));
      } else resolve(result);
    });
  });
}

export interface Daemon {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<void>;
}

/** Starts a long-running process with its output appended to `logFile`. */
export function startDaemon(
  file: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string; detached?: boolean },
): Daemon {
  const out = fs.openSync(options.logFile, "a");
  try {
    const child = spawn(file, [...args], {
      env: options.env,
      cwd: options.cwd,
      stdio: ["ignore", out, out],
      detached: options.detached ?? false,
    });
    const exited = new Promise<void>((resolve) => {
      child.on("exit", () => resolve());
      child.on("error", () => resolve());
    });
    if (child.pid === undefined) throw new Error(`could not start ${file}`);
    return { child, pid: child.pid, exited };
  } finally {
    fs.closeSync(out);
  }
}

/** Resolves true when `promise` settles within `ms`, false otherwise. */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([promise.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
  clearTimeout(timer);
  return result;
}
