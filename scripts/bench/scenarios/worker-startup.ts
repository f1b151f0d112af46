/**
 * How fast the worker starts, by hand (`PORT`, no supervisor): spawn → first 200 for a bare
 * `node:http` server, the worker with the one-line JavaScript handler, and a TypeScript app on a
 * cold and then a warm tsx compile cache.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { probe } from "../../../kit/http.js";
import { reap } from "../lib/proc.js";
import { baseEnv } from "../peers/program.js";
import type { Context } from "./context.js";
import { WORKER_FIXTURE, workerMain } from "./worker-servers.js";

export interface Startup {
  readonly bare: number[];
  /** `@hono/node-server` serving the one-line handler: the floor for any Fetch server. */
  readonly hono: number[];
  readonly js: number[];
  readonly express: number[];
  readonly jsExpress: number[];
  readonly tsCold: number[];
  readonly tsWarm: number[];
}

/** Each start in turn, so they share the machine's state; TypeScript cold, then warm. */
export async function measureStartup(ctx: Context, workDir: string, trials: number): Promise<Startup> {
  const main = workerMain(ctx.workRoot);
  const out: Startup = { bare: [], hono: [], js: [], express: [], jsExpress: [], tsCold: [], tsWarm: [] };
  for (let trial = 0; trial < trials; trial++) {
    const cache = fs.mkdtempSync(path.join(workDir, "tsx-cache-"));
    out.bare.push(await timeToServe(ctx, ["bare-http.mjs"], {}));
    out.hono.push(await timeToServe(ctx, ["hono-serve.mjs"], { APP: "fetch-app.mjs" }));
    out.js.push(await timeToServe(ctx, [main], { TSGI_APP: path.join(WORKER_FIXTURE, "fetch-app.mjs") }));
    out.express.push(await timeToServe(ctx, ["express-listen.mjs"], {}));
    out.jsExpress.push(await timeToServe(ctx, [main], { TSGI_APP: path.join(WORKER_FIXTURE, "express-app.mjs") }));
    const ts = { TSGI_APP: path.join(WORKER_FIXTURE, "ts-app.ts"), TMPDIR: cache };
    out.tsCold.push(await timeToServe(ctx, [main], ts));
    out.tsWarm.push(await timeToServe(ctx, [main], ts));
    fs.rmSync(cache, { recursive: true, force: true });
  }
  return out;
}

/** ms from spawn to the first 200 on `/`, polled every 2 ms; the process is stopped after. */
async function timeToServe(ctx: Context, args: readonly string[], env: Readonly<Record<string, string>>): Promise<number> {
  const port = await ctx.port();
  const started = performance.now();
  const child = spawn(process.execPath, [...args], {
    cwd: WORKER_FIXTURE,
    env: { ...baseEnv(), PORT: String(port), ...env },
    stdio: "ignore",
    // Its own session, as a supervised site has (see worker-servers.ts).
    detached: true,
  });
  try {
    const deadline = started + 30_000;
    while (performance.now() < deadline) {
      const answer = await probe(port, "/", 1000);
      if (answer.ok) return performance.now() - started;
      if (child.exitCode !== null) throw new Error(`${args.join(" ")} exited with ${child.exitCode} before serving`);
      await sleep(2);
    }
    throw new Error(`${args.join(" ")} not serving on ${port} after 30 s`);
  } finally {
    if (child.pid !== undefined) {
      child.kill("SIGTERM");
      await reap([child.pid], 5000);
    }
  }
}
