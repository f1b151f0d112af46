/**
 * The servers the `worker` scenario compares, each one process on 127.0.0.1: tsgi's `app:`
 * worker (under the supervisor, one site per app), `@hono/node-server`, and the floors —
 * hand-written `node:http` and Express's own `app.listen`. Everything started is tracked and
 * stopped by pid.
 */
import fs from "node:fs";
import path from "node:path";
import { treeOf, track } from "../lib/cleanup.js";
import { startDaemon, within, type Daemon } from "../lib/exec.js";
import { waitAllServing } from "../../../kit/http.js";
import { BENCH, REPO } from "../lib/paths.js";
import { descendants, pidsWithEnv, reap, signal } from "../lib/proc.js";
import { baseEnv } from "../peers/program.js";

export const WORKER_FIXTURE = path.join(BENCH, "fixture-worker");

export type ServerId =
  "tsgi-fetch" | "tsgi-hono" | "tsgi-express" | "tsgi-ts" | "hono-fetch" | "hono-hono" | "bare-fetch" | "bare-hono" | "bare-express";

export interface Server {
  readonly id: ServerId;
  readonly port: number;
  /** The process serving (for tsgi: the site's worker, not the supervisor). */
  readonly pid: number;
}

/** Plain programs: file and extra env, run in the fixture folder with PORT. */
const PROGRAMS: Readonly<Record<Exclude<ServerId, `tsgi-${string}`>, { file: string; env?: Record<string, string>; probe: string }>> = {
  "hono-fetch": { file: "hono-serve.mjs", env: { APP: "fetch-app.mjs" }, probe: "/" },
  "hono-hono": { file: "hono-serve.mjs", env: { APP: "hono-app.mjs" }, probe: "/json" },
  "bare-fetch": { file: "bare-http.mjs", probe: "/" },
  "bare-hono": { file: "bare-http.mjs", probe: "/json" },
  "bare-express": { file: "express-listen.mjs", probe: "/" },
};

/** tsgi's sites: the app module of each, and the path that answers 200. */
const SITES: Readonly<Record<Extract<ServerId, `tsgi-${string}`>, { app: string; probe: string }>> = {
  "tsgi-fetch": { app: "fetch-app.mjs", probe: "/" },
  "tsgi-hono": { app: "hono-app.mjs", probe: "/json" },
  "tsgi-express": { app: "express-app.mjs", probe: "/" },
  "tsgi-ts": { app: "ts-app.ts", probe: "/" },
};

export function programIds(): Exclude<ServerId, `tsgi-${string}`>[] {
  return Object.keys(PROGRAMS) as Exclude<ServerId, `tsgi-${string}`>[];
}

export async function startProgram(id: Exclude<ServerId, `tsgi-${string}`>, port: number, workDir: string): Promise<Server> {
  const program = PROGRAMS[id];
  const daemon = startDaemon(process.execPath, [program.file], {
    env: { ...baseEnv(), PORT: String(port), ...program.env },
    cwd: WORKER_FIXTURE,
    logFile: path.join(workDir, `${id}.out`),
    // A session of its own, as tsgi gives each site: Linux's autogroup scheduler groups tasks by
    // session, and a server left in the harness's session, beside the load generator, answers
    // several times faster than one in a group of its own whenever other work loads the machine
    // (each request and answer waits for the other group's turn).
    detached: true,
  });
  trackDaemon(id, daemon);
  await serving(id, port, program.probe);
  return { id, port, pid: daemon.pid };
}

/** The tsgi build the harness snapshotted, else the checkout's. */
function tsgiFile(part: string, workRoot: string): string {
  const snapshot = path.join(workRoot, "tsgi-build", part);
  return fs.existsSync(snapshot) ? snapshot : path.join(REPO, part);
}

export function workerMain(workRoot: string): string {
  return tsgiFile(path.join("dist", "worker", "main.js"), workRoot);
}

/** One supervisor, one `app:` site per app; returns each site's worker. */
export async function startTsgi(ports: Readonly<Record<keyof typeof SITES, number>>, workDir: string, workRoot: string): Promise<Server[]> {
  const file = path.join(workDir, "sites.yaml");
  const ids = Object.keys(SITES) as (keyof typeof SITES)[];
  const lines = ["version: 1", "supervisor:", "  control: ./control.sock", "  logs: ./logs", "sites:"];
  for (const id of ids) {
    lines.push(
      `  ${id}:`,
      `    app: ./${SITES[id].app}`,
      `    cwd: ${JSON.stringify(WORKER_FIXTURE)}`,
      `    listen: 127.0.0.1:${ports[id]}`,
    );
  }
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  const daemon = startDaemon(process.execPath, [tsgiFile(path.join("bin", "tsgi-supervise.js"), workRoot), "run", file], {
    env: { ...baseEnv(), NO_COLOR: "1" },
    cwd: workDir,
    logFile: path.join(workDir, "tsgi.out"),
    detached: true,
  });
  trackDaemon("tsgi", daemon);
  const servers: Server[] = [];
  for (const id of ids) {
    await serving(id, ports[id], SITES[id].probe);
    const tree = new Set(descendants(daemon.pid));
    const pid = pidsWithEnv("TSGI_APP", path.join(WORKER_FIXTURE, SITES[id].app)).find((p) => tree.has(p));
    if (pid === undefined) throw new Error(`${id}: serving, but no worker process found under the supervisor (work dir ${workDir})`);
    servers.push({ id, port: ports[id], pid });
  }
  return servers;
}

function trackDaemon(what: string, daemon: Daemon): void {
  let stopped: Promise<void> | undefined;
  const untrack = track(
    what,
    () =>
      (stopped ??= (async () => {
        const tree = treeOf(daemon.pid);
        signal(daemon.pid, "SIGTERM");
        await within(daemon.exited, 15_000);
        await reap(tree, 5000);
        untrack();
      })()),
    () => treeOf(daemon.pid),
  );
}

async function serving(id: string, port: number, probe: string): Promise<void> {
  const waited = await waitAllServing([port], { since: performance.now(), timeoutMs: 60_000, intervalMs: 20, path: probe });
  if (waited.ms === undefined) throw new Error(`${id} not serving on 127.0.0.1:${port}${probe} after 60 s`);
}
