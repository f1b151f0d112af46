/**
 * Sites that cost nothing while idle (`processes: {min, max, idle}`):
 * - the first request to an idle site → 200, against the program's own cold start (bare), uWSGI's
 *   Emperor with an on-demand vassal (Django) and `systemd-socket-activate` (Node);
 * - N on-demand sites with a few of them busy: total resident memory against the same N always
 *   on, and the supervisor's CPU while all N are idle;
 * - a burst of 200 concurrent 100 ms requests on a Django site (one sync worker per process):
 *   `{min: 1, max: 4}` against `processes: 1` and `processes: 4`, and the time back to 1 process.
 */
import path from "node:path";
import { treeOf } from "../lib/cleanup.js";
import { setTimeout as sleep } from "node:timers/promises";
import { pollUntil, probe, waitAllServing, type Probe } from "../../../kit/http.js";
import { cpuPercent, rssBytes } from "../lib/proc.js";
import { valuesCell, type Cell, type Metric } from "../lib/report.js";
import { PEERS } from "../peers/index.js";
import {
  listening,
  startBare,
  startEmperor,
  startSocketActivate,
  startTsgi,
  type Launched,
  type OnDemandApp,
  type TsgiRunning,
} from "../peers/on-demand.js";
import { errorMessage, metric, nodeSites, ports, type Context, type Scenario } from "./context.js";

const FIRST_TIMEOUT_MS = 30_000;
const BURST = 200;
const SLOW_MS = 100;

export const onDemand: Scenario = {
  id: "on-demand",
  title: "Sites that cost nothing while idle: first request, many idle sites, a burst that scales",
  async run(ctx) {
    const node: OnDemandApp = { kind: "node", dir: ctx.fixtureCopy("on-demand") };
    const project = await ctx.django();
    const django: (OnDemandApp & { kind: "django" }) | undefined =
      project === undefined
        ? undefined
        : { kind: "django", dir: project.dir, python: project.python, wsgi: project.wsgi, settings: project.settings };
    const command = ctx.command("on-demand");
    const metrics: Metric[] = [
      ...(await firstRequest(ctx, node, "/", command)),
      ...(await firstRequest(ctx, django, project?.path ?? "/", command)),
      ...(await manySites(ctx, node, command)),
      ...(await burst(ctx, django, command)),
    ];
    return {
      metrics,
      notes: [
        "First request: bare = the program binding its own port, from spawn until a GET polled every 2 ms answers 200 (its own cold start). tsgi = a `processes: {min: 0, idle: 1s}` site whose status says `idle` (no process): one GET from send to 200, the start included. uWSGI = an Emperor with an on-demand vassal (`--emperor-on-demand-extension`, `idle = 1`, `die-on-idle`); systemd-socket-activate = `-l 127.0.0.1:PORT node server.mjs`, one per trial. Between trials each returns to idle.",
        "Many sites: every site `processes: {min: 0, idle: 10m}`; the busy ones get 10 req/s each for 5 s, then the resident memory of the supervisor and every process under it is summed (VmRSS). Always on: the same sites under the bare spawner, and under tsgi with `processes: 1`. Idle CPU: the supervisor's own user+system time while every site is idle.",
        `Burst: ${BURST} requests at once, each \`/slow?ms=${SLOW_MS}\` on the Django fixture (gunicorn, one sync worker per process, so a process serves one at a time); req/s = ${BURST} / the time until the last answer. Back to min: from the last answer until status shows one process (\`idle: 5s\`). bare = gunicorn with 4 workers.`,
      ],
    };
  },
};

/** Polls `probe` every `everyMs` until it returns a value or `timeoutMs` passes. */
async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last = "";
  for (;;) {
    // A probe may fail for a while (the control socket not there yet): only the deadline ends it.
    const value = await Promise.resolve()
      .then(probe)
      .catch((error: unknown) => void (last = `; last error: ${errorMessage(error).slice(0, 200)}`));
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last}`);
    await sleep(everyMs);
  }
}

async function tsgiIdle(running: TsgiRunning, names: readonly string[]): Promise<void> {
  await until(
    `${names.length} site(s) idle`,
    async () => {
      const sites = await running.status();
      const wanted = sites.filter((s) => names.includes(s.name));
      return wanted.length === names.length && wanted.every((s) => s.state === "idle" && s.pids.length === 0) ? true : undefined;
    },
    60_000,
    200,
  );
}

function failureOf(answer: Probe): string | undefined {
  return answer.ok ? undefined : `${answer.kind}: ${answer.detail}`;
}

async function firstRequest(ctx: Context, app: OnDemandApp | undefined, urlPath: string, command: string): Promise<Metric[]> {
  const label = app?.kind === "django" ? "Django" : "Node";
  const id = `ondemand-first-${app?.kind ?? "django"}`;
  const title = `first request to an idle site → 200, ${label} fixture`;
  const base = { scenario: "on-demand", command };
  const peerLabel = app?.kind === "node" ? "systemd-socket-activate" : "uWSGI Emperor on-demand vassal";
  if (app === undefined) {
    const lacks: Cell = { kind: "lacks", why: "no Django here (python3-django and gunicorn, or uwsgi-plugin-python3, missing)" };
    return [
      metric({ ...base, id, title, unit: "ms", ratioToBare: true, goal: "≤ 1.05 × bare" }, { bare: lacks, tsgi: lacks }),
      metric({ ...base, id: `${id}-failed`, title: `${title}: refused or failed`, unit: "requests", goal: "0" }, { tsgi: lacks }),
    ];
  }
  const trials = ctx.quick ? 3 : 7;
  const work = path.join(ctx.workRoot, `on-demand-first-${app.kind}`);

  const bareMs: number[] = [];
  for (let t = 0; t < trials; t++) {
    const port = await ctx.port();
    const since = performance.now();
    const bare = startBare(port, app, work);
    try {
      const ms = await pollUntil(port, (a) => a.ok, { timeoutMs: FIRST_TIMEOUT_MS, gapMs: 2, path: urlPath, since });
      if (ms !== undefined) bareMs.push(ms);
    } finally {
      await bare.stop();
    }
  }
  ctx.log(`  first request ${label}: bare cold start ${bareMs.map(Math.round).join(", ")} ms`);

  const tsgiMs: number[] = [];
  const tsgiFailed: string[] = [];
  const port = await ctx.port();
  const tsgi = startTsgi([{ name: "idle", port, app, processes: "{ min: 0, idle: 1s }" }], path.join(work, "tsgi"));
  try {
    for (let t = 0; t < trials; t++) {
      await tsgiIdle(tsgi, ["idle"]);
      const answer = await probe(port, urlPath, FIRST_TIMEOUT_MS);
      const failure = failureOf(answer);
      if (failure === undefined) tsgiMs.push(answer.ms);
      else tsgiFailed.push(failure);
    }
  } finally {
    await tsgi.stop();
  }
  ctx.log(
    `  first request ${label}: tsgi ${tsgiMs.map(Math.round).join(", ")} ms${tsgiFailed.length > 0 ? `; failed ${tsgiFailed.join(", ")}` : ""}`,
  );

  const peerMs: number[] = [];
  const peerFailed: string[] = [];
  let peerError: string | undefined;
  try {
    if (app.kind === "node") {
      for (let t = 0; t < trials; t++) {
        const port = await ctx.port();
        const activate = startSocketActivate(port, app, path.join(work, "socket-activate"));
        try {
          await until("systemd-socket-activate listening", () => (listening(port) ? true : undefined), 10_000, 5);
          const answer = await probe(port, urlPath, FIRST_TIMEOUT_MS);
          const failure = failureOf(answer);
          if (failure === undefined) peerMs.push(answer.ms);
          else peerFailed.push(failure);
        } finally {
          await activate.stop();
        }
      }
    } else {
      const port = await ctx.port();
      const emperor = startEmperor([{ name: "shop", port, app }], path.join(work, "emperor"), 1);
      try {
        await until("the Emperor listening", () => (listening(port) ? true : undefined), 10_000, 5);
        const baseline = emperor.tree().length;
        for (let t = 0; t < trials; t++) {
          await until("the vassal gone (die-on-idle)", () => (emperor.tree().length <= baseline ? true : undefined), 30_000, 100);
          const answer = await probe(port, urlPath, FIRST_TIMEOUT_MS);
          const failure = failureOf(answer);
          if (failure === undefined) peerMs.push(answer.ms);
          else peerFailed.push(failure);
          await until("the vassal up", () => (emperor.tree().length > baseline ? true : undefined), 10_000, 20);
        }
      } finally {
        await emperor.stop();
      }
    }
  } catch (error) {
    peerError = errorMessage(error);
    ctx.log(`  first request ${label}: ${peerLabel}: ${peerError}`);
  }
  ctx.log(`  first request ${label}: ${peerLabel} ${peerMs.map(Math.round).join(", ")} ms`);
  const peerCell: Cell =
    peerError !== undefined ? { kind: "never", why: `${peerLabel}: ${peerError.slice(0, 200)}` } : valuesCell(peerMs, 0, "");
  return [
    {
      ...metric(
        { ...base, id, title, unit: "ms", ratioToBare: true, goal: "≤ 1.05 × bare" },
        { bare: valuesCell(bareMs, trials - bareMs.length, `no 200 within ${FIRST_TIMEOUT_MS} ms`), tsgi: valuesCell(tsgiMs, 0, "") },
      ),
      others: { [peerLabel]: peerCell },
    },
    {
      ...metric(
        { ...base, id: `${id}-failed`, title: `${title}: refused or failed`, unit: "requests", goal: "0" },
        { tsgi: { kind: "values", values: [tsgiFailed.length], ...(tsgiFailed.length > 0 ? { detail: tsgiFailed.join("; ") } : {}) } },
      ),
      others: { [peerLabel]: { kind: "values", values: [peerFailed.length] } },
    },
  ];
}

function treeRss(launched: Launched): number {
  return launched.tree().reduce((sum, pid) => sum + rssBytes(pid), 0) / 2 ** 20;
}

async function manySites(ctx: Context, app: OnDemandApp & { kind: "node" }, command: string): Promise<Metric[]> {
  const count = ctx.quick ? 20 : 200;
  const busy = ctx.quick ? 2 : 10;
  const cpuMs = ctx.quick ? 5000 : 30_000;
  const base = { scenario: "on-demand", command };
  const sitePorts = await ports(ctx, count);
  const names = sitePorts.map((_, i) => `s${String(i + 1).padStart(3, "0")}`);
  const work = path.join(ctx.workRoot, "on-demand-many");
  const cells: { rss: Cell | undefined; cpu: Cell | undefined; alwaysTsgi: Cell | undefined; alwaysBare: Cell | undefined } = {
    rss: undefined,
    cpu: undefined,
    alwaysTsgi: undefined,
    alwaysBare: undefined,
  };
  const never = (error: unknown): Cell => ({ kind: "never", why: errorMessage(error).slice(0, 200) });

  try {
    const tsgi = startTsgi(
      names.map((name, i) => ({ name, port: sitePorts[i] ?? 0, app, processes: "{ min: 0, idle: 10m }" })),
      path.join(work, "tsgi-on-demand"),
    );
    try {
      await tsgiIdle(tsgi, names);
      await sleep(ctx.quick ? 1000 : 5000);
      const percent = await cpuPercent(() => [tsgi.pid], cpuMs);
      cells.cpu = { kind: "values", values: [percent] };
      ctx.log(`  many sites: supervisor CPU with ${count} idle sites ${percent.toFixed(2)} % over ${cpuMs / 1000} s`);
      const traffic = sitePorts.slice(0, busy);
      const stopAt = performance.now() + 5000;
      await Promise.all(
        traffic.map(async (port) => {
          while (performance.now() < stopAt) {
            await probe(port, "/", 10_000);
            await sleep(100);
          }
        }),
      );
      const mib = treeRss(tsgi);
      cells.rss = { kind: "values", values: [mib] };
      ctx.log(`  many sites: tsgi on demand, ${busy} of ${count} busy: ${mib.toFixed(0)} MiB in ${tsgi.tree().length} processes`);
    } finally {
      await tsgi.stop();
    }
  } catch (error) {
    cells.rss ??= never(error);
    cells.cpu ??= never(error);
  }

  try {
    const tsgi = startTsgi(
      names.map((name, i) => ({ name, port: sitePorts[i] ?? 0, app, processes: "1" })),
      path.join(work, "tsgi-always"),
    );
    try {
      const waited = await waitAllServing(sitePorts, { since: performance.now(), timeoutMs: 180_000, intervalMs: 50 });
      if (waited.ms === undefined) throw new Error(`only ${waited.serving} of ${count} serving`);
      await sleep(3000);
      cells.alwaysTsgi = { kind: "values", values: [treeRss(tsgi)] };
    } finally {
      await tsgi.stop();
    }
  } catch (error) {
    cells.alwaysTsgi = never(error);
  }

  try {
    const running = await PEERS.bare.start(nodeSites(count, sitePorts, app.dir, "b"), path.join(work, "bare"));
    try {
      const waited = await waitAllServing(sitePorts, { since: performance.now(), timeoutMs: 180_000, intervalMs: 50 });
      if (waited.ms === undefined) throw new Error(`only ${waited.serving} of ${count} serving`);
      await sleep(3000);
      const pids = running.daemonPids().flatMap((pid) => treeOf(pid));
      cells.alwaysBare = { kind: "values", values: [pids.reduce((sum, pid) => sum + rssBytes(pid), 0) / 2 ** 20] };
    } finally {
      await running.stop();
    }
  } catch (error) {
    cells.alwaysBare = never(error);
  }

  return [
    {
      ...metric(
        {
          ...base,
          id: `ondemand-rss-${count}`,
          title: `total resident memory, ${count} sites with ${busy} busy (on demand) vs. all ${count} always on`,
          unit: "MiB",
        },
        // Each cell is set on every path above (a value, or `never` with the error).
        { bare: cells.alwaysBare, tsgi: cells.rss },
      ),
      others: { "tsgi always on (processes: 1)": cells.alwaysTsgi },
    },
    metric(
      {
        ...base,
        id: `cpu-ondemand-${count}`,
        title: `supervisor idle CPU, ${count} idle on-demand sites (${cpuMs / 1000} s)`,
        unit: "% of a core",
        goal: "≤ 0.5 %",
      },
      { tsgi: cells.cpu },
    ),
  ];
}

async function burst(ctx: Context, app: (OnDemandApp & { kind: "django" }) | undefined, command: string): Promise<Metric[]> {
  const base = { scenario: "on-demand", command };
  const title = `${BURST} concurrent ${SLOW_MS} ms requests (Django, sync workers)`;
  if (app === undefined) {
    const lacks: Cell = { kind: "lacks", why: "no Django here (python3-django and gunicorn missing)" };
    return [metric({ ...base, id: "ondemand-burst-rps", title, unit: "req/s", goal: "≥ 0.9 × processes: 4" }, { tsgi: lacks })];
  }
  const trials = ctx.quick ? 1 : 3;
  const work = path.join(ctx.workRoot, "on-demand-burst");
  const fire = async (port: number): Promise<{ rps: number; failed: string[] }> => {
    const since = performance.now();
    const answers = await Promise.all(Array.from({ length: BURST }, () => probe(port, `/slow?ms=${SLOW_MS}`, 120_000)));
    const ms = performance.now() - since;
    return { rps: (BURST * 1000) / ms, failed: answers.flatMap((a) => (a.ok ? [] : [`${a.kind}: ${a.detail}`])) };
  };
  const rps: Record<string, number[]> = { "1": [], "4": [], scaled: [], bare: [] };
  const failed: string[] = [];
  const backMs: number[] = [];
  for (let t = 0; t < trials; t++) {
    for (const processes of ["1", "4", "{ min: 1, max: 4, idle: 5s }"]) {
      const port = await ctx.port();
      const tsgi = startTsgi([{ name: "burst", port, app, processes }], path.join(work, `tsgi-${t}-${processes.length}`));
      try {
        await until("the Django site serving", async () => ((await probe(port, "/whoami", 5000)).ok ? true : undefined), 60_000, 100);
        const result = await fire(port);
        const key = processes.startsWith("{") ? "scaled" : processes;
        rps[key]?.push(result.rps);
        failed.push(...result.failed);
        if (key === "scaled") {
          const since = performance.now();
          await until(
            "back to 1 process",
            async () => ((await tsgi.status()).find((s) => s.name === "burst")?.pids.length === 1 ? true : undefined),
            120_000,
            200,
          );
          backMs.push(performance.now() - since);
        }
        ctx.log(`  burst, processes: ${processes}: ${result.rps.toFixed(1)} req/s, ${result.failed.length} failed`);
      } finally {
        await tsgi.stop();
      }
    }
    const port = await ctx.port();
    const bare = startBare(port, app, path.join(work, "bare"), 4);
    try {
      await pollUntil(port, (a) => a.ok, { timeoutMs: 60_000, path: "/whoami" });
      const result = await fire(port);
      rps["bare"]?.push(result.rps);
      ctx.log(`  burst, bare gunicorn --workers 4: ${result.rps.toFixed(1)} req/s`);
    } finally {
      await bare.stop();
    }
  }
  return [
    {
      ...metric(
        { ...base, id: "ondemand-burst-rps", title: `${title}: {min: 1, max: 4}`, unit: "req/s", goal: "≥ 0.9 × processes: 4" },
        { bare: { kind: "values", values: rps["bare"] ?? [] }, tsgi: { kind: "values", values: rps["scaled"] ?? [] } },
      ),
      others: {
        "tsgi processes: 1": { kind: "values", values: rps["1"] ?? [] },
        "tsgi processes: 4": { kind: "values", values: rps["4"] ?? [] },
      },
    },
    metric(
      { ...base, id: "ondemand-burst-failed", title: `${title}: failed, all three configurations`, unit: "requests", goal: "0" },
      { tsgi: { kind: "values", values: [failed.length], ...(failed.length > 0 ? { detail: failed.slice(0, 5).join("; ") } : {}) } },
    ),
    metric(
      { ...base, id: "ondemand-back-to-min", title: "after the burst: back to 1 process (idle: 5s)", unit: "ms" },
      { tsgi: { kind: "values", values: backMs } },
    ),
  ];
}
