/**
 * Runs tsgi's worker the way the supervisor does: compiled, in the site's cwd, with a bound
 * (not listening) socket as fd 3 and the notify pipe as fd 4; then waits on its notify
 * messages with deadlines instead of sleeping.
 *
 * The worker is compiled and bundled into a folder of the tests' own (one per content of the
 * sources, shared by the test files), so the tests exercise the built `worker/main.js` without
 * racing anyone else's `npm run build` over `dist/`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseNotifyLine, type NotifyMessage } from "../../src/protocol/notify.js";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const FIXTURES = join(REPO, "test/fixtures/apps");

/**
 * Compiles `src/worker` and `src/index.ts` and bundles the worker; returns the path of
 * `worker/main.js`. Built once per content of the sources: every worker test file (and every
 * run) with the same sources shares one build in the temp folder, since compiling costs ~3 s of
 * CPU; a concurrent first build is settled by an atomic rename.
 */
export function buildWorker(): { readonly main: string; readonly dispose: () => void } {
  const shared = join(tmpdir(), `tsgi-worker-build-${sourceKey()}`);
  const main = join(shared, "build", "worker", "main.js");
  if (existsSync(main)) return { main, dispose: () => {} };
  const root = compileWorker();
  try {
    renameSync(root, shared);
  } catch {
    // Another test file built the same sources first: use its build.
    rmSync(root, { recursive: true, force: true });
  }
  if (!existsSync(main)) throw new Error(`the worker build is missing ${main}`);
  return { main, dispose: () => {} };
}

/** What the build depends on: tsgi's sources, the bundler script, the compiler settings. */
function sourceKey(): string {
  const hash = createHash("sha256");
  const files = [
    ...readdirSync(join(REPO, "src"), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".ts"))
      .sort()
      .map((f) => join(REPO, "src", f)),
    join(REPO, "scripts", "bundle-worker.ts"),
    join(REPO, "tsconfig.json"),
  ];
  for (const file of files) hash.update(file).update(readFileSync(file));
  return hash.digest("hex").slice(0, 16);
}

function compileWorker(): string {
  const root = mkdtempSync(join(tmpdir(), "tsgi-worker-build-tmp-"));
  const out = join(root, "build");
  mkdirSync(out);
  // Where the supervisor would find them: tsx and friends in node_modules, an ESM package.
  symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"), "dir");
  writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module" }));
  const config = join(root, "tsconfig.json");
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(REPO, "tsconfig.json"),
      compilerOptions: { rootDir: join(REPO, "src"), outDir: out, declaration: false, noEmitOnError: true },
      files: [join(REPO, "src/worker/main.ts"), join(REPO, "src/index.ts")],
      // Only the worker and what it imports, whatever state the rest of src/ is in.
      include: [],
    }),
  );
  const tsc = spawnSync(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", config], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (tsc.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`compiling the worker failed:\n${tsc.stdout}${tsc.stderr}`);
  }
  // As `npm run build` ships it: one file. Run as a program, not imported: no test imports a
  // script (npm run lint checks).
  const bundle = spawnSync(process.execPath, ["--import", "tsx", join(REPO, "scripts/bundle-worker.ts"), join(out, "worker", "main.js")], {
    encoding: "utf8",
  });
  if (bundle.status !== 0) throw new Error(`bundling the worker failed: ${bundle.stderr}${bundle.error?.message ?? ""}`);
  return root;
}

/** The handle Node's cluster module uses: bound, not listening, with a file descriptor. */
interface ServerHandle {
  readonly fd: number;
  getsockname(out: { port?: number }): number;
  close(): void;
}

type CreateServerHandle = (
  address: string,
  port: number,
  addressType: number,
  fd: number | undefined,
  flags: number,
) => ServerHandle | number;

const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;

export type BoundSocket =
  | { readonly type: "tcp"; readonly handle: ServerHandle; readonly port: number }
  | { readonly type: "unix"; readonly handle: ServerHandle; readonly path: string };

/** Binds like the supervisor: TCP on 127.0.0.1 with a free port, or a unix socket at `path`. */
export function bindSocket(unixPath?: string): BoundSocket {
  const handle =
    unixPath === undefined ? createServerHandle("127.0.0.1", 0, 4, undefined, 0) : createServerHandle(unixPath, -1, -1, undefined, 0);
  if (typeof handle === "number") throw new Error(`binding failed: errno ${handle}`);
  if (unixPath !== undefined) return { type: "unix", handle, path: unixPath };
  const out: { port?: number } = {};
  const err = handle.getsockname(out);
  if (err !== 0 || out.port === undefined) throw new Error(`getsockname failed: ${err}`);
  return { type: "tcp", handle, port: out.port };
}

export interface WorkerOptions {
  readonly main: string;
  readonly socket: BoundSocket;
  readonly app: string;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Leave fd 4 closed, as when run by hand. */
  readonly noNotify?: boolean;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class Worker {
  readonly messages: NotifyMessage[] = [];
  stdout = "";
  stderr = "";
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => this.update(() => (this.stdout += chunk)));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => this.update(() => (this.stderr += chunk)));
    const notify = child.stdio[4];
    if (notify !== undefined && notify !== null && "setEncoding" in notify) {
      let partial = "";
      notify.setEncoding("utf8");
      notify.on("data", (chunk: string) => {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
          const message = parseNotifyLine(line);
          if (message !== undefined) this.update(() => this.messages.push(message));
        }
      });
    }
    this.exited = new Promise((resolveExit) => {
      child.once("exit", (code, signal) => {
        this.update(() => (this.exit = { code, signal }));
        resolveExit({ code, signal });
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error("the worker did not spawn");
    return this.child.pid;
  }

  /**
   * Resolves with the first value `check` returns that is not undefined, re-checked whenever
   * the worker says or prints something; fails after `ms` naming the step and what it saw.
   */
  waitFor<T>(step: string, check: () => T | undefined, ms = 15_000): Promise<T> {
    return new Promise((resolveWait, reject) => {
      const settle = (outcome: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(attempt);
        outcome();
      };
      // A check may also throw, to fail the wait at once (the worker reported an error).
      const attempt = (): void => {
        try {
          const value = check();
          if (value !== undefined) settle(() => resolveWait(value));
        } catch (error) {
          settle(() => reject(error instanceof Error ? error : new Error(String(error))));
        }
      };
      const timer = setTimeout(
        () => settle(() => reject(new Error(`timed out after ${ms} ms waiting for ${step}; ${this.describe()}`))),
        ms,
      );
      this.waiters.add(attempt);
      attempt();
    });
  }

  message<K extends NotifyMessage["type"]>(type: K): Extract<NotifyMessage, { type: K }> | undefined {
    return this.messages.find((m): m is Extract<NotifyMessage, { type: K }> => m.type === type);
  }

  /** Waits for `ready`; fails at once if the worker reports an error or exits instead. */
  async ready(ms = 15_000): Promise<void> {
    await this.waitFor(
      "the ready message",
      () => {
        if (this.message("ready") !== undefined) return true;
        const error = this.message("error");
        if (error !== undefined) throw new Error(`the worker reported an error: ${JSON.stringify(error)}; ${this.describe()}`);
        if (this.exit !== undefined) throw new Error(`the worker exited before ready; ${this.describe()}`);
        return undefined;
      },
      ms,
    );
  }

  waitForExit(ms = 15_000): Promise<Exit> {
    return this.waitFor("the worker to exit", () => this.exit, ms);
  }

  /** Kills the worker if it still runs, and waits for it: for `finally` blocks. */
  async kill(): Promise<void> {
    if (this.exit !== undefined || this.child.pid === undefined) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  describe(): string {
    return (
      `messages=${JSON.stringify(this.messages)} exit=${JSON.stringify(this.exit)}\n` +
      `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`
    );
  }

  private update(change: () => unknown): void {
    change();
    for (const waiter of [...this.waiters]) waiter();
  }
}

export function startWorker(options: WorkerOptions): Worker {
  const cwd = options.cwd ?? FIXTURES;
  const child = spawn(process.execPath, [options.main], {
    cwd,
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      TSGI_APP: resolve(cwd, options.app),
      TSGI_FD: "3",
      LISTEN_FDS: "1",
      TSGI_NOTIFY_FD: "4",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe", options.socket.handle.fd, options.noNotify === true ? "ignore" : "pipe"],
  });
  return new Worker(child);
}

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface HttpOptions {
  readonly method?: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly agent?: Agent;
  readonly timeoutMs?: number;
}

/** One request over the bound socket, whichever kind it is. */
export function httpRequestTo(socket: BoundSocket, path: string, options: HttpOptions = {}): Promise<HttpResult> {
  return new Promise((resolveRequest, reject) => {
    const req = httpRequest(
      {
        ...(socket.type === "tcp" ? { host: "127.0.0.1", port: socket.port } : { socketPath: socket.path }),
        path,
        method: options.method ?? "GET",
        headers: options.headers,
        agent: options.agent ?? false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolveRequest({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`request ${path} timed out`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

/**
 * For a worker without a notify pipe: retries while the socket refuses connections (bound but
 * not yet listening), until the deadline.
 */
export async function requestWhenListening(socket: BoundSocket, path: string, ms = 15_000): Promise<HttpResult> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await httpRequestTo(socket, path);
    } catch (error) {
      const refused = (error as NodeJS.ErrnoException).code === "ECONNREFUSED";
      if (!refused || Date.now() > deadline) {
        throw new Error(`no answer on ${path} within ${ms} ms`, { cause: error });
      }
      await new Promise((resolveDelay) => setTimeout(resolveDelay, 50));
    }
  }
}
