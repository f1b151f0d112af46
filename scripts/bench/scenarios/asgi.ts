/**
 * `asgi:` — a Django ASGI view (`/whoami` of the generated `shop` project) through tsgi
 * (uvicorn adopting the socket tsgi holds on fd 3) against bare uvicorn on its own socket: the
 * same interpreter, server and project; only the supervisor differs (goal ≥ 0.98 ×). Then a
 * reload: tsgi's graceful reload until the new generation serves, against uvicorn's own
 * restart (SIGTERM, start again) until it serves again — and the requests each one fails.
 *
 * Only tsgi and bare are measured: the other peers have no ASGI site kind.
 */
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pollUntil, probe } from "../../../kit/http.js";
import { loadLoop } from "../../../kit/load.js";
import { RUN_MARK, track, treeOf } from "../lib/cleanup.js";
import { run, startDaemon, within } from "../lib/exec.js";
import { REPO } from "../lib/paths.js";
import { reap, signal } from "../lib/proc.js";
import type { Cell } from "../lib/report.js";
import { summarize } from "../lib/stats.js";
import { measureThroughput } from "../lib/wrk.js";
import type { PeerName } from "../peers/types.js";
import { errorMessage, metric, quietTrial, type Context, type Scenario } from "./context.js";

const CLI = path.join(REPO, "bin", "tsgi-supervise.js");

interface Server {
  readonly port: number;
  /** Pid answering `/whoami` now. */
  pid(): Promise<number | undefined>;
  /** tsgi: `reload`; bare: SIGTERM, then a new uvicorn on the same port. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

function env(): NodeJS.ProcessEnv {
  return { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? "/", NO_COLOR: "1", [RUN_MARK.name]: RUN_MARK.value };
}

async function whoamiPid(port: number): Promise<number | undefined> {
  const answer = await probe(port, "/whoami", 3000);
  if (!answer.ok) return undefined;
  try {
    return (JSON.parse(answer.body) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

async function startBare(ctx: Context, dir: string, python: string, work: string): Promise<Server> {
  const port = await ctx.port();
  const spawnOne = () =>
    startDaemon(
      python,
      ["-m", "uvicorn", "--host", "127.0.0.1", "--port", String(port), "--lifespan", "off", "--no-access-log", "shop.asgi:application"],
      {
        env: { ...env(), DJANGO_SETTINGS_MODULE: "shop.settings" },
        cwd: dir,
        logFile: path.join(work, "uvicorn.out"),
      },
    );
  let daemon = spawnOne();
  const untrack = track(
    "bare uvicorn",
    () => server.stop(),
    () => treeOf(daemon.pid),
  );
  const server: Server = {
    port,
    pid: () => whoamiPid(port),
    async reload() {
      signal(daemon.pid, "SIGTERM");
      await within(daemon.exited, 15_000);
      daemon = spawnOne();
    },
    async stop() {
      signal(daemon.pid, "SIGTERM");
      await within(daemon.exited, 15_000);
      await reap(treeOf(daemon.pid), 2000);
      untrack();
    },
  };
  return server;
}

async function startTsgi(ctx: Context, dir: string, python: string, work: string): Promise<Server> {
  const port = await ctx.port();
  const file = path.join(work, "sites.yaml");
  fs.writeFileSync(
    file,
    [
      "version: 1",
      "supervisor: {control: ./control.sock, logs: ./logs}",
      `defaults: {env: { ${RUN_MARK.name}: "\${${RUN_MARK.name}}" }}`,
      "sites:",
      "  shop:",
      "    asgi: shop.asgi:application",
      `    python: ${JSON.stringify(python)}`,
      `    cwd: ${JSON.stringify(dir)}`,
      "    settings: shop.settings",
      `    listen: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  const daemon = startDaemon(process.execPath, [CLI, "run", file], {
    env: env(),
    cwd: work,
    logFile: path.join(work, "tsgi.out"),
    detached: true,
  });
  const untrack = track(
    "tsgi asgi",
    () => server.stop(),
    () => treeOf(daemon.pid),
  );
  const server: Server = {
    port,
    pid: () => whoamiPid(port),
    async reload() {
      await run(process.execPath, [CLI, "reload", "shop", "-c", file], { env: env(), cwd: work, timeoutMs: 60_000 });
    },
    async stop() {
      const tree = treeOf(daemon.pid);
      signal(daemon.pid, "SIGTERM");
      await within(daemon.exited, 15_000);
      await reap(tree, 5000);
      untrack();
    },
  };
  return server;
}

export const asgi: Scenario = {
  id: "asgi",
  title: "Django ASGI under uvicorn: tsgi vs bare uvicorn",
  async run(ctx) {
    const notes: string[] = [];
    const project = await ctx.django();
    if (project === undefined) return { metrics: [], notes: ["no Django project: ASGI rows skipped"] };
    const command = ctx.command("asgi");
    const trials = ctx.quick ? 3 : 7;
    const seconds = ctx.quick ? 3 : 8;
    const servers = new Map<PeerName, Server>();
    const cells = {
      rps: {} as Partial<Record<PeerName, Cell>>,
      reload: {} as Partial<Record<PeerName, Cell>>,
      failed: {} as Partial<Record<PeerName, Cell>>,
    };
    try {
      for (const [name, start] of [
        ["bare", startBare],
        ["tsgi", startTsgi],
      ] as const) {
        const work = path.join(ctx.workRoot, "asgi", name);
        fs.mkdirSync(work, { recursive: true });
        const server = await start(ctx, project.dir, project.python, work);
        servers.set(name, server);
        const ms = await pollUntil(server.port, (a) => a.ok, { timeoutMs: 60_000, path: "/whoami" });
        if (ms === undefined) throw new Error(`${name}: not serving after 60 s (work dir ${work})`);
      }
      const url = (s: Server) => `http://127.0.0.1:${s.port}/whoami`;
      for (const s of servers.values()) await measureThroughput(url(s), { seconds: 1, connections: 8 });
      const values = new Map<PeerName, number[]>();
      const ratios: number[] = [];
      for (let trial = 0; trial < trials; trial++) {
        const order = trial % 2 === 0 ? (["bare", "tsgi"] as const) : (["tsgi", "bare"] as const);
        const round = new Map<PeerName, number>();
        for (const name of order) {
          const server = servers.get(name);
          if (server === undefined) continue;
          const result = await quietTrial(ctx, `asgi ${name}`, () => measureThroughput(url(server), { seconds, connections: 8 }));
          round.set(name, result.rps);
          values.set(name, [...(values.get(name) ?? []), result.rps]);
          ctx.log(`  asgi ${name}: ${Math.round(result.rps)} req/s (${result.tool}), ${result.errors} errors`);
        }
        const bare = round.get("bare");
        const own = round.get("tsgi");
        if (bare !== undefined && own !== undefined && bare > 0) ratios.push(own / bare);
      }
      const ratio = summarize(ratios)?.median;
      cells.rps = {
        bare: { kind: "values", values: values.get("bare") ?? [] },
        tsgi: { kind: "values", values: values.get("tsgi") ?? [], ...(ratio === undefined ? {} : { ratio }) },
      };

      const reloads = ctx.quick ? 2 : 5;
      for (const [name, server] of servers) {
        const times: number[] = [];
        const failed: number[] = [];
        for (let i = 0; i < reloads; i++) {
          const before = await server.pid();
          const load = loadLoop(server.port, { rate: 50, maxMs: 60_000, path: "/whoami" });
          await sleep(300);
          const since = performance.now();
          await server.reload();
          const ms = await pollUntil(server.port, (a) => a.ok && !a.body.includes(`"pid": ${before ?? -1}`), {
            timeoutMs: 60_000,
            path: "/whoami",
            since,
          });
          await sleep(300);
          const report = await load.stop();
          if (ms !== undefined) times.push(ms);
          failed.push(report.failed);
          ctx.log(
            `  asgi reload ${name}: new generation serving in ${ms === undefined ? "never" : Math.round(ms)} ms, ${report.failed} failed`,
          );
        }
        cells.reload[name] = { kind: "values", values: times };
        cells.failed[name] = { kind: "values", values: failed };
      }
    } catch (error) {
      ctx.log(`  asgi: ${errorMessage(error)}`);
      notes.push(`asgi: ${errorMessage(error)}`);
    } finally {
      for (const server of servers.values()) await server.stop();
    }
    notes.push(
      "bare is uvicorn binding its own port; tsgi's uvicorn serves the socket tsgi holds (fd 3). Bare's \"reload\" is a stop and a start of uvicorn.",
    );
    return {
      notes,
      metrics: [
        metric(
          {
            id: "throughput-asgi",
            scenario: "asgi",
            title: "Django ASGI view under uvicorn (req/s)",
            unit: "req/s",
            ratioToBare: true,
            goal: "≥ 0.98 × bare",
            command,
          },
          cells.rps,
        ),
        metric(
          { id: "asgi-reload-ms", scenario: "asgi", title: "ASGI reload → new generation serving (ms)", unit: "ms", command },
          cells.reload,
        ),
        metric(
          {
            id: "asgi-reload-failed",
            scenario: "asgi",
            title: "ASGI reload: failed requests at 50 req/s",
            unit: "requests",
            goal: "0",
            command,
          },
          cells.failed,
        ),
      ],
    };
  },
};
