/**
 * Runs the real `tsgi-supervise` (the built bin) as a child process on a sites.yaml in a temp
 * folder, reads its JSON log, and drives it with the real CLI.
 *
 * Clean-up never leaves a process behind, even when a test fails: the supervisor is sent
 * SIGTERM (then SIGKILL), and every site process it reported starting is killed by process
 * group — only if that pid still has the start time it had when it was recorded, so a reused
 * pid is never hit.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { controlSocketOfFile } from "../src/cli/control-commands.js";
import { getSites, isError } from "../src/control/client.js";
import type { SiteStatus } from "../src/control/protocol.js";
import { readStat } from "../src/process/proc-stat.js";
import { waitFor } from "./wait-for.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const BIN = path.join(ROOT, "bin/tsgi-supervise.js");
export const PROGRAMS = path.join(ROOT, "test/fixtures/programs");

export interface LogEvent {
  readonly level: string;
  readonly message: string;
  readonly site?: string;
  readonly kind?: string;
  readonly proc?: number;
  readonly [key: string]: unknown;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function tempDir(prefix = "tsgi-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Zombies included: a group whose leader is a zombie may still have live members to kill. */
function startTime(pid: number): string | undefined {
  return readStat(pid)?.startTime;
}

export class SupervisorUnderTest {
  readonly events: LogEvent[] = [];
  readonly stderr: string[] = [];
  readonly child: ChildProcess;
  readonly file: string;
  readonly dir: string;
  readonly exited: Promise<number | null>;
  /** Each site's latest `state` event's `to`. */
  readonly #states = new Map<string, unknown>();
  /** Site process pids seen in the log, with their start times. */
  readonly #sitePids = new Map<number, string>();
  #exitCode: number | null | undefined;

  private constructor(dir: string, file: string, args: readonly string[], env: NodeJS.ProcessEnv) {
    this.dir = dir;
    this.file = file;
    this.child = spawn(process.execPath, [BIN, file, "--log-format", "json", ...args], {
      cwd: dir,
      // cgroups only where a test asks for them, under a parent named for it (test/host/).
      env: { TSGI_CGROUP: "off", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buffered = "";
    this.child.stdout?.setEncoding("utf8");
    this.child.stdout?.on("data", (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        this.#record(line);
      }
    });
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code) => {
        this.#exitCode = code;
        resolve(code);
      }),
    );
  }

  /** Where this supervisor's control socket is (the default of its sites.yaml). */
  get controlSocket(): string {
    return path.join(this.dir, ".tsgi/control.sock");
  }

  /** Writes `yaml` to `DIR/sites.yaml` and starts the supervisor on it. */
  static start(yaml: string, options: { dir?: string; args?: readonly string[]; env?: NodeJS.ProcessEnv } = {}): SupervisorUnderTest {
    const dir = options.dir ?? tempDir();
    const file = path.join(dir, "sites.yaml");
    fs.writeFileSync(file, yaml);
    const env = options.env ?? { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", NO_COLOR: "1" };
    return new SupervisorUnderTest(dir, file, options.args ?? [], env);
  }

  #record(line: string): void {
    let event: LogEvent;
    try {
      event = JSON.parse(line) as LogEvent;
    } catch {
      return;
    }
    this.events.push(event);
    if (event["event"] === "state" && event.site !== undefined) this.#states.set(event.site, event["to"]);
    // The structured event, not its wording: every process the supervisor spawned.
    if (event["event"] === "process-started" && typeof event["pid"] === "number") {
      const pid = event["pid"];
      const time = startTime(pid);
      if (time !== undefined) this.#sitePids.set(pid, time);
    }
  }

  /** Every site pid this supervisor reported starting. */
  startedPids(): number[] {
    return [...this.#sitePids.keys()];
  }

  /** Waits for a log event matching `predicate`; the failure names `what`. */
  waitForEvent(what: string, predicate: (event: LogEvent) => boolean, timeoutMs = 20_000): Promise<LogEvent> {
    return waitFor(
      `${what}\n  supervisor log tail:\n    ${this.events
        .slice(-12)
        .map((e) => `${e.site ?? "tsgi"}: ${e.message}`)
        .join("\n    ")}\n  stderr: ${this.stderr.join("").slice(-500)}`,
      () => {
        if (this.#exitCode !== undefined) throw new Error(`supervisor exited with ${this.#exitCode}`);
        return this.events.find(predicate);
      },
      { timeoutMs },
    );
  }

  /**
   * Waits until every named site is `running` (from the control socket's `status`), asked once
   * the JSON log's latest state of each named site is `running`, and otherwise only once a
   * second (should the log ever say less than status does).
   */
  async waitRunning(names: readonly string[], timeoutMs = 20_000): Promise<SiteStatus[]> {
    let asked = 0;
    return waitFor(
      `sites ${names.join(", ")} running`,
      async () => {
        if (this.#exitCode !== undefined) throw new Error(`supervisor exited with ${this.#exitCode}: ${this.stderr.join("")}`);
        if (!names.every((name) => this.#states.get(name) === "running") && performance.now() - asked < 1000) return undefined;
        asked = performance.now();
        const sites = await this.status();
        const wanted = sites.filter((s) => names.includes(s.name));
        return wanted.length === names.length && wanted.every((s) => s.state === "running") ? sites : undefined;
      },
      { timeoutMs, intervalMs: 20 },
    );
  }

  cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return runCli([...args, "-c", this.file], { cwd: this.dir, env });
  }

  /**
   * Every site's status, asked on the control socket from this process: what `status --json`
   * prints (the same answer, `control-commands.ts`), without a command-line process per call —
   * the suite asked ~400 times, ~12 s of CPU (measured). The tests of the command itself run it.
   */
  async status(): Promise<SiteStatus[]> {
    const socket = await controlSocketOfFile(this.file);
    if (!socket.ok) throw new Error(`status: ${socket.problem}`);
    const answer = await getSites(socket.path);
    if (isError(answer)) throw new Error(`status failed: ${answer.error}`);
    return [...answer.sites];
  }

  async site(name: string): Promise<SiteStatus> {
    const site = (await this.status()).find((s) => s.name === name);
    if (site === undefined) throw new Error(`no site ${name} in status`);
    return site;
  }

  /** SIGTERM and wait for the exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 20_000): Promise<number | null> {
    if (this.#exitCode !== undefined) return this.#exitCode;
    this.child.kill(signal);
    return waitFor("supervisor exit", () => (this.#exitCode === undefined ? undefined : { code: this.#exitCode }), { timeoutMs }).then(
      (r) => r.code,
    );
  }

  /** Always safe to call (test `after`/`finally`): leaves no process of this test alive. */
  async cleanup(): Promise<void> {
    if (this.#exitCode === undefined) {
      this.child.kill("SIGTERM");
      // Unref'd: a supervisor that exits at once must not keep the test process alive 15 s more.
      const exited = await Promise.race([this.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 15_000).unref())]);
      if (!exited) {
        this.child.kill("SIGKILL");
        await this.exited;
      }
    }
    for (const [pid, time] of this.#sitePids) {
      if (startTime(pid) !== time) continue;
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", NO_COLOR: "1", TSGI_CGROUP: "off", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`tsgi-supervise ${args.join(" ")} did not finish within ${options.timeoutMs ?? 60_000} ms`));
    }, options.timeoutMs ?? 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Is this pid alive (and not a zombie)? */
export { isAlive as alive } from "../src/process/proc-stat.js";
