/**
 * Starting one process of a site. The only module that imports execa.
 *
 * Every process gets its own process group (`detached`), so a stop or a crash clean-up can
 * signal the whole group and no grandchild outlives it. Stdin is closed; stdout and stderr are
 * read a pipe-full of lines at a time through execa's own stream objects (`line-reader.ts`); fd 3 is the site's listening socket (when it has one) and fd 4 the notify
 * pipe (`protocol/notify.ts`).
 */
import { execa, type ResultPromise } from "execa";
import { readLines, type LinesSink } from "./line-reader.js";

export interface SpawnRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The complete environment: nothing of the supervisor's own is added. */
  readonly env: Readonly<Record<string, string>>;
  /** File descriptor of the site's bound socket, handed over as fd 3. */
  readonly listenFd: number | undefined;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
}

export type ExitReason =
  | { readonly reason: "exit-code"; readonly code: number }
  | { readonly reason: "signal"; readonly signal: NodeJS.Signals }
  | { readonly reason: "spawn-error"; readonly message: string };

export type OutputSource = "stdout" | "stderr" | "notify";

export interface SpawnedProcess {
  readonly pid: number;
  /**
   * Hands every pipe read of that output to `sink` as its lines (a partial last line included),
   * resolving when the stream ends. Every stream must be read, or the site blocks on a full
   * pipe; a sink that answers with a promise pauses the pipe until it settles.
   */
  forEachLines(from: OutputSource, sink: LinesSink): Promise<void>;
  readonly exited: Promise<ExitReason>;
}

type Subprocess = ResultPromise<{ stdio: ["ignore", "pipe", "pipe", "ignore", "pipe"]; buffer: false; reject: false }>;

/**
 * Spawns the process. A failure to spawn (missing program, bad cwd) is not thrown: it arrives
 * as an `exited` value tagged `spawn-error`, and `pid` is then 0.
 */
export function spawnProcess(request: SpawnRequest): SpawnedProcess {
  // execa passes any open fd number through to the child as is; its types only list 3–9.
  const listenFd = (request.listenFd ?? "ignore") as "ignore";
  const subprocess: Subprocess = execa(request.file, [...request.args], {
    cwd: request.cwd,
    env: { ...request.env },
    extendEnv: false,
    stdio: ["ignore", "pipe", "pipe", listenFd, "pipe"],
    detached: true,
    buffer: false,
    reject: false,
    // The supervisor stops its sites itself, group by group; execa's own clean-up would signal
    // only the leader.
    cleanup: false,
    forceKillAfterDelay: false,
    stripFinalNewline: false,
    ...(request.uid === undefined ? {} : { uid: request.uid }),
    ...(request.gid === undefined ? {} : { gid: request.gid }),
  });

  const exited = new Promise<ExitReason>((resolve) => {
    // The process's own exit, not execa's result: that one also waits for stdout and stderr to
    // close, and a descendant that left the group (a `setsid` daemon) may hold them open for
    // as long as it lives.
    subprocess.once("exit", (code, signal) => {
      if (signal !== null) resolve({ reason: "signal", signal });
      else if (code !== null) resolve({ reason: "exit-code", code });
    });
    void subprocess.then((result) => {
      if (result.signal !== undefined) return resolve({ reason: "signal", signal: result.signal });
      if (typeof result.exitCode === "number") return resolve({ reason: "exit-code", code: result.exitCode });
      const cause = result.cause;
      const message = cause instanceof Error ? cause.message : (result.shortMessage ?? "could not start");
      resolve({ reason: "spawn-error", message });
    });
  });

  const streams = { stdout: subprocess.stdout, stderr: subprocess.stderr, notify: subprocess.stdio[4] } as const;
  return {
    pid: subprocess.pid ?? 0,
    // A stream error ends that stream; the exit itself is reported through `exited`.
    forEachLines: (from, sink) => readLines(streams[from], sink),
    exited,
  };
}

export interface CheckResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs a short check program to completion (a wsgi site's import check), output captured. */
export async function runCheck(
  file: string,
  args: readonly string[],
  options: { cwd: string; env: Readonly<Record<string, string>>; timeoutMs: number },
): Promise<CheckResult> {
  const result = await execa(file, [...args], {
    cwd: options.cwd,
    env: { ...options.env },
    extendEnv: false,
    stdin: "ignore",
    all: true,
    reject: false,
    timeout: options.timeoutMs,
  });
  const output = typeof result.all === "string" ? result.all : "";
  return { ok: !result.failed && result.exitCode === 0, output: output || result.shortMessage || "" };
}
