/**
 * tsgi's `app:` worker against the best Fetch-on-Node server and the bare floors (issue 13): the
 * one-line Fetch handler, a Hono app (GET JSON, POST echo of 1 KB JSON, a 1 MB streamed
 * response) and an Express app, each under tsgi, under `@hono/node-server` (the Fetch ones) and
 * as a bare `node:http` / Express program. Requests per second and p99 with autocannon
 * (keep-alive, 16 connections, bounded runs, loopback), resident memory of each serving process
 * idle and after the load, and how fast a worker starts, JavaScript and TypeScript.
 *
 * In the table, a row's "bare" column is the floor its goal names: `@hono/node-server` for the
 * Fetch rows, bare Express for Express, `node:http` for memory and start-up. The rest is in the
 * notes.
 */
import fs from "node:fs";
import path from "node:path";
import { autocannon, type LoadRun } from "../lib/autocannon.js";
import { setTimeout as sleep } from "node:timers/promises";
import { probe } from "../../../kit/http.js";
import { rssBytes } from "../lib/proc.js";
import type { Cell, Metric } from "../lib/report.js";
import { summarize } from "../lib/stats.js";
import { metric, quietTrial, type Scenario } from "./context.js";
import { measureStartup } from "./worker-startup.js";
import { programIds, startProgram, startTsgi, type Server, type ServerId } from "./worker-servers.js";

interface Case {
  readonly id: string;
  readonly title: string;
  readonly path: string;
  readonly tsgi: ServerId;
  /** The server the goal is a ratio to. */
  readonly floor: ServerId;
  readonly others: readonly ServerId[];
  readonly goal: string;
  readonly post?: string;
}

const ECHO_BODY = JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ["a", "b"] })) }).padEnd(
  1024,
  " ",
);

const CASES: readonly Case[] = [
  {
    id: "fetch-get",
    title: "Fetch handler, GET",
    path: "/",
    tsgi: "tsgi-fetch",
    floor: "hono-fetch",
    others: ["bare-fetch"],
    goal: "≥ 0.9 × @hono/node-server",
  },
  {
    id: "hono-get",
    title: "Hono, GET JSON",
    path: "/json",
    tsgi: "tsgi-hono",
    floor: "hono-hono",
    others: ["bare-hono"],
    goal: "≥ 0.9 × @hono/node-server",
  },
  {
    id: "hono-post",
    title: "Hono, POST echo of 1 KB JSON",
    path: "/echo",
    tsgi: "tsgi-hono",
    floor: "hono-hono",
    others: ["bare-hono"],
    goal: "≥ 0.9 × @hono/node-server",
    post: ECHO_BODY,
  },
  {
    id: "hono-stream",
    title: "Hono, 1 MB streamed response",
    path: "/stream",
    tsgi: "tsgi-hono",
    floor: "hono-hono",
    others: ["bare-hono"],
    goal: "≥ 0.9 × @hono/node-server",
  },
  {
    id: "express-get",
    title: "Express, GET JSON",
    path: "/",
    tsgi: "tsgi-express",
    floor: "bare-express",
    others: [],
    goal: "≥ 0.95 × bare Express",
  },
];

const LABEL: Readonly<Record<ServerId, string>> = {
  "tsgi-fetch": "tsgi",
  "tsgi-hono": "tsgi",
  "tsgi-express": "tsgi",
  "tsgi-ts": "tsgi (TypeScript app)",
  "hono-fetch": "@hono/node-server",
  "hono-hono": "@hono/node-server",
  "bare-fetch": "node:http",
  "bare-hono": "node:http",
  "bare-express": "bare Express",
};

const MiB = 2 ** 20;

export const worker: Scenario = {
  id: "worker",
  title: "The app: worker beside @hono/node-server and bare node:http / Express",
  async run(ctx) {
    const seconds = ctx.quick ? 2 : 3;
    const rounds = ctx.quick ? 2 : 5;
    const workDir = path.join(ctx.workRoot, "worker");
    fs.mkdirSync(workDir, { recursive: true });
    const command = ctx.command("worker");
    const notes: string[] = [];

    const startup = await measureStartup(ctx, workDir, ctx.quick ? 3 : 7);

    const servers = new Map<ServerId, Server>();
    for (const id of programIds()) servers.set(id, await startProgram(id, await ctx.port(), workDir));
    const tsgiPorts = {
      "tsgi-fetch": await ctx.port(),
      "tsgi-hono": await ctx.port(),
      "tsgi-express": await ctx.port(),
      "tsgi-ts": await ctx.port(),
    };
    for (const s of await startTsgi(tsgiPorts, workDir, ctx.workRoot)) servers.set(s.id, s);
    const server = (id: ServerId): Server => {
      const found = servers.get(id);
      if (found === undefined) throw new Error(`${id} did not start`);
      return found;
    };
    // One request each, then quiet: what a process holds once it has served (and loaded) everything once.
    for (const c of CASES) for (const id of [c.tsgi, c.floor, ...c.others]) await probe(server(id).port, c.path);
    await probe(server("tsgi-ts").port, "/");
    await sleep(ctx.quick ? 1000 : 3000);
    const idle = new Map<ServerId, number>([...servers].map(([id, s]) => [id, rssBytes(s.pid) / MiB]));

    const metrics: Metric[] = [];
    const loadedNotes: string[] = [];
    for (const c of CASES) {
      const ids = [c.tsgi, c.floor, ...c.others];
      const runs = new Map<ServerId, LoadRun[]>(ids.map((id) => [id, []]));
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const order = ids.map((_, i) => ids[(i + round) % ids.length]).filter((id): id is ServerId => id !== undefined);
        const got = new Map<ServerId, LoadRun>();
        for (const id of order) {
          const url = `http://127.0.0.1:${server(id).port}${c.path}`;
          const options = {
            seconds,
            connections: 16,
            ...(c.post === undefined ? {} : { method: "POST" as const, body: c.post, headers: { "content-type": "application/json" } }),
          };
          const result = await quietTrial(ctx, `worker ${c.id} ${id}`, () => autocannon(url, options));
          got.set(id, result);
          runs.get(id)?.push(result);
          ctx.log(`  worker ${c.id} ${id}: ${Math.round(result.rps)} req/s, p99 ${result.p99Ms} ms, ${result.errors} errors`);
        }
        const own = got.get(c.tsgi)?.rps;
        const floor = got.get(c.floor)?.rps;
        if (own !== undefined && floor !== undefined && floor > 0) ratios.push(own / floor);
      }
      metrics.push(
        metric(
          {
            id: `worker-rps-${c.id}`,
            scenario: "worker",
            title: `worker req/s: ${c.title} (bare = ${LABEL[c.floor]})`,
            unit: "req/s",
            ratioToBare: true,
            goal: c.goal,
            command,
          },
          {
            bare: rpsCell(runs.get(c.floor) ?? [], c.floor),
            tsgi: { ...rpsCell(runs.get(c.tsgi) ?? [], c.tsgi), ...(ratios.length === 0 ? {} : { ratio: median(ratios) }) },
          },
        ),
      );
      loadedNotes.push(
        `${c.title}: ${ids
          .map((id) => {
            const list = runs.get(id) ?? [];
            return `${LABEL[id]} ${Math.round(median(list.map((r) => r.rps)))} req/s, p99 ${median(list.map((r) => r.p99Ms))} ms`;
          })
          .join("; ")}.`,
      );
    }
    await sleep(ctx.quick ? 1000 : 3000);
    const after = new Map<ServerId, number>([...servers].map(([id, s]) => [id, rssBytes(s.pid) / MiB]));

    const rss = (id: string, title: string, at: Map<ServerId, number>, own: ServerId, floor: ServerId): Metric =>
      metric(
        { id, scenario: "worker", title, unit: "MiB", ratioToBare: true, goal: "≤ 1.1 × bare", command },
        { bare: { kind: "values", values: [at.get(floor) ?? 0] }, tsgi: { kind: "values", values: [at.get(own) ?? 0] } },
      );
    metrics.push(
      rss("worker-rss-idle-fetch", "worker RSS idle: Fetch handler (bare = node:http)", idle, "tsgi-fetch", "bare-fetch"),
      rss("worker-rss-idle-express", "worker RSS idle: Express (bare = bare Express)", idle, "tsgi-express", "bare-express"),
      rss("worker-rss-load-fetch", "worker RSS after load: Fetch handler (bare = node:http)", after, "tsgi-fetch", "bare-fetch"),
      rss("worker-rss-load-hono", "worker RSS after load: Hono (bare = node:http)", after, "tsgi-hono", "bare-hono"),
      rss("worker-rss-load-express", "worker RSS after load: Express (bare = bare Express)", after, "tsgi-express", "bare-express"),
      metric(
        {
          id: "worker-start-js",
          scenario: "worker",
          title: "worker start-up → first 200, JavaScript (bare = node:http)",
          unit: "ms",
          ratioToBare: true,
          goal: "≤ 1.1 × bare",
          command,
        },
        { bare: { kind: "values", values: startup.bare }, tsgi: { kind: "values", values: startup.js } },
      ),
      metric(
        {
          id: "worker-start-express",
          scenario: "worker",
          title: "worker start-up → first 200, Express (bare = bare Express)",
          unit: "ms",
          ratioToBare: true,
          goal: "≤ 1.1 × bare",
          command,
        },
        { bare: { kind: "values", values: startup.express }, tsgi: { kind: "values", values: startup.jsExpress } },
      ),
      metric(
        {
          id: "worker-start-ts",
          scenario: "worker",
          title: "worker start-up → first 200, TypeScript, compile cache warm (bare = node:http)",
          unit: "ms",
          ratioToBare: true,
          goal: undefined,
          command,
        },
        { bare: { kind: "values", values: startup.bare }, tsgi: { kind: "values", values: startup.tsWarm } },
      ),
    );

    const mib = (map: Map<ServerId, number>, id: ServerId): string => (map.get(id) ?? 0).toFixed(1);
    const diff = (a: ServerId, b: ServerId): string => ((idle.get(a) ?? 0) - (idle.get(b) ?? 0)).toFixed(1);
    notes.push(
      `autocannon, keep-alive, 16 connections, ${seconds} s per run, ${rounds} rounds of one run per server in rotating order; the ratio is the median over rounds of tsgi's rate over the floor's in the same round. Every server is one process on 127.0.0.1; tsgi's sites are \`app:\` sites of one supervisor, each worker on the socket the supervisor bound (fd 3). POST bodies: ${ECHO_BODY.length} bytes of JSON.`,
      ...loadedNotes,
      `Resident memory per serving process (MiB), idle after one request of each kind → after all the load: ${(
        [
          "tsgi-fetch",
          "hono-fetch",
          "bare-fetch",
          "tsgi-hono",
          "hono-hono",
          "bare-hono",
          "tsgi-express",
          "bare-express",
          "tsgi-ts",
        ] as const
      )
        .map((id) => `${id} ${mib(idle, id)} → ${mib(after, id)}`)
        .join("; ")}.`,
      `Where a Fetch worker's memory goes, idle (this run's figures): Node's own fetch implementation (undici), loaded by the first \`Request\`/\`Response\` any Fetch server touches, is the step from node:http to @hono/node-server: ${diff("hono-fetch", "bare-fetch")} MiB; tsgi's worker beyond @hono/node-server (its modules, the supervisor's protocol): ${diff("tsgi-fetch", "hono-fetch")} MiB. A TypeScript site adds tsx and esbuild and the module-hooks thread (a second V8 instance): tsgi-ts − tsgi-fetch = ${diff("tsgi-ts", "tsgi-fetch")} MiB. A JavaScript site loads neither (measured before that change: +29 MiB for every site), and an Express site not even undici.`,
      "Measured once before issue 13's changes (same machine, one-line Fetch handler, autocannon -c 16 -d 4): the worker did 31 k requests where @hono/node-server did 357 k, and held 77 MiB idle and 191 MiB after the load against 46 → 60 MiB for node:http. Idle, by taking the worker apart: importing tsx +14 MiB, registering it +15 MiB (10 MiB of that is the module-hooks thread alone: an empty hook costs as much), undici +8.5 MiB, the worker's own modules ~3 MiB. Under load it built, per request, a full WHATWG Request with copied Headers and an AbortSignal, and sent every body, even a string, through Readable.fromWeb; with the lazy request and direct writes the load leaves 55–60 MiB, as it does under @hono/node-server.",
      `Start-up (spawn → first 200, median of ${startup.bare.length}): node:http ${Math.round(median(startup.bare))} ms, @hono/node-server ${Math.round(median(startup.hono))} ms (the first touch of \`Response\` loads undici), the worker with the one-line JavaScript handler ${Math.round(median(startup.js))} ms; bare Express ${Math.round(median(startup.express))} ms, the worker with it ${Math.round(median(startup.jsExpress))} ms; with a TypeScript app ${Math.round(median(startup.tsCold))} ms on a cold compile cache and ${Math.round(median(startup.tsWarm))} ms once tsx's cache holds its output (\`$TMPDIR/tsx-<uid>\`, keyed by file content, so it survives reloads and supervisor restarts). The worker runs by hand here (\`PORT\`), without the supervisor's own start.`,
    );
    return { metrics, notes };
  },
};

function rpsCell(runs: readonly LoadRun[], id: ServerId): Cell {
  const errors = runs.reduce((sum, r) => sum + r.errors, 0);
  return {
    kind: "values",
    values: runs.map((r) => r.rps),
    ...(errors === 0 ? {} : { detail: `${LABEL[id]}: ${errors} errors or non-2xx answers during the runs` }),
  };
}

function median(values: readonly number[]): number {
  return summarize(values)?.median ?? Number.NaN;
}
