/**
 * Failed requests under 200 req/s of fresh connections while a site is reloaded (boot 0 ms,
 * 1 s, 4 s) and while it is restarted (boot 0 ms), each with the peer's own command.
 *
 * One site per boot time, started together; each trial: load on, 0.5 s, the command, then wait
 * for a 200 from a new pid, 1 s more, load off. Failures are counted by kind.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { fixtureBody, pidServing, pollUntil } from "../../../kit/http.js";
import { loadLoop } from "../../../kit/load.js";
import type { Cell } from "../lib/report.js";
import type { PeerName, Running, SiteSpec } from "../peers/types.js";
import { withKinds } from "./crash.js";
import { errorMessage, metric, nodeSites, ports, quietTrial, withPeer, type Scenario } from "./context.js";

const RATE = 200;
const BOOTS = [0, 1000, 4000] as const;

/** What each peer's "reload" is, for the notes. */
const RELOAD_IS: Partial<Record<PeerName, string>> = {
  bare: "SIGTERM to the serving process; the spawner starts a new one at once (a restart)",
  "pm2-fork": "`pm2 reload` (in fork mode PM2 restarts: stop, then start)",
  "pm2-cluster": "`pm2 reload`: new worker, wait for `listening` up to listen_timeout (3 s), stop the old one",
  supervisord: "`supervisorctl restart` (supervisord has no reload)",
  tsgi: "`tsgi-supervise reload`: new generation on the same socket, ready when it logs `listening`, then the old one is stopped",
};

interface Trial {
  readonly failed: number;
  readonly byKind: Readonly<Record<string, number>>;
  /** The command → the first 200 from a new pid. */
  readonly ms: number | undefined;
  /** The command → the command returned (for tsgi: also the old generation stopped). */
  readonly commandMs: number;
}

async function trial(site: SiteSpec, action: () => Promise<void>, newWithinMs: number, afterMs: number): Promise<Trial> {
  const load = loadLoop(site.port, { rate: RATE, maxMs: newWithinMs + 20_000 });
  try {
    await sleep(500);
    const old = await pidServing(site.port);
    const since = performance.now();
    // Polled from the command's start, not from its return: a command that answers only once the
    // old process is gone (tsgi's `reload`, `pm2 reload`) would otherwise add that drain to "new
    // pid serving". The command's own time is kept as a row of its own.
    const serving = pollUntil(site.port, (a) => (fixtureBody(a)?.pid ?? old) !== old, { timeoutMs: newWithinMs, since });
    await action();
    const commandMs = performance.now() - since;
    const ms = await serving;
    await sleep(afterMs);
    const report = await load.stop();
    return { failed: report.failed, byKind: report.byKind, ms, commandMs };
  } catch (error) {
    await load.stop();
    throw error;
  }
}

export const reload: Scenario = {
  id: "reload",
  title: "Reload and restart under load: failed requests",
  async run(ctx) {
    const trials = ctx.quick ? 1 : 3;
    // Long enough after the new pid answered to catch a peer that stops the old one too early.
    const afterMs = ctx.quick ? 600 : 1000;
    const cells: Record<string, Partial<Record<PeerName, Cell>>> = {};
    const durations: Record<string, Partial<Record<PeerName, Cell>>> = {};
    const commandDurations: Record<string, Partial<Record<PeerName, Cell>>> = {};
    const keys = [...BOOTS.map((b) => `reload-${b}`), "restart"];
    for (const key of keys) {
      cells[key] = {};
      durations[key] = {};
      commandDurations[key] = {};
    }
    for (const peer of ctx.peers) {
      const lacking = peer.lacks("reload");
      if (lacking !== undefined) {
        for (const key of keys)
          (cells[key] ?? {})[peer.name] = { kind: "lacks", why: peer.lacks(key === "restart" ? "restart" : "reload") ?? lacking };
        continue;
      }
      const dir = ctx.fixtureCopy("reload");
      const portList = await ports(ctx, BOOTS.length);
      const sites = BOOTS.map((boot, i) => nodeSites(1, [portList[i] ?? 0], dir, `r${boot}-`, boot)[0]).filter(
        (s): s is SiteSpec => s !== undefined,
      );
      try {
        await withPeer(
          ctx,
          peer,
          sites,
          async (running: Running) => {
            await sleep(1500);
            const runTrials = async (key: string, site: SiteSpec, action: () => Promise<void>, boot: number): Promise<void> => {
              const failed: number[] = [];
              const ms: number[] = [];
              const commandMs: number[] = [];
              const kinds: Record<string, number> = {};
              for (let i = 0; i < trials; i++) {
                const result = await quietTrial(ctx, `${key} ${peer.name}`, () => trial(site, action, boot + 15_000, afterMs));
                failed.push(result.failed);
                if (result.ms !== undefined) ms.push(result.ms);
                commandMs.push(result.commandMs);
                for (const [kind, n] of Object.entries(result.byKind)) kinds[kind] = (kinds[kind] ?? 0) + n;
                ctx.log(
                  `  ${key} ${peer.name}: failed ${result.failed}, new pid serving after ${result.ms === undefined ? "never" : Math.round(result.ms)} ms, command returned after ${Math.round(result.commandMs)} ms`,
                );
                await sleep(ctx.quick ? 500 : 1500);
              }
              (cells[key] ?? {})[peer.name] = withKinds(failed, kinds, `${peer.label}, ${key}`);
              (durations[key] ?? {})[peer.name] = { kind: "values", values: ms };
              (commandDurations[key] ?? {})[peer.name] = { kind: "values", values: commandMs };
            };
            for (const [i, boot] of BOOTS.entries()) {
              const site = sites[i];
              if (site !== undefined) await runTrials(`reload-${boot}`, site, () => running.reload(site), boot);
            }
            const first = sites[0];
            if (first !== undefined) {
              const lacksRestart = peer.lacks("restart");
              if (lacksRestart === undefined) await runTrials("restart", first, () => running.restart(first), 0);
              else (cells["restart"] ?? {})[peer.name] = { kind: "lacks", why: lacksRestart };
            }
          },
          { workName: "reload", timeoutMs: 30_000 },
        );
      } catch (error) {
        ctx.log(`  reload ${peer.name}: ${errorMessage(error)}`);
        for (const key of keys)
          (cells[key] ?? {})[peer.name] ??= { kind: "never", why: `${peer.label}: ${errorMessage(error).slice(0, 200)}` };
      }
    }
    const command = ctx.command("reload");
    const metrics = [
      ...BOOTS.map((boot) =>
        metric(
          {
            id: `reload-${boot}-failed`,
            scenario: "reload",
            title: `failed requests during \`reload\`, app boot ${boot === 0 ? "0 ms" : `${boot / 1000} s`}`,
            unit: "requests",
            goal: "0",
            command,
          },
          cells[`reload-${boot}`] ?? {},
        ),
      ),
      metric(
        {
          id: "restart-failed",
          scenario: "reload",
          title: "failed requests during `restart`, app boot 0 ms",
          unit: "requests",
          goal: "0 for `listen` sites",
          command,
        },
        cells["restart"] ?? {},
      ),
      ...BOOTS.map((boot) =>
        metric(
          {
            id: `reload-${boot}-ms`,
            scenario: "reload",
            title: `\`reload\` → new pid serving, app boot ${boot === 0 ? "0 ms" : `${boot / 1000} s`}`,
            unit: "ms",
            ratioToBare: boot === 0,
            ...(boot === 0 ? { goal: "≤ 1.5 × bare" } : {}),
            command,
          },
          durations[`reload-${boot}`] ?? {},
        ),
      ),
      metric(
        {
          id: "reload-0-command-ms",
          scenario: "reload",
          title: "`reload` command returns, app boot 0 ms",
          unit: "ms",
          command,
        },
        commandDurations["reload-0"] ?? {},
      ),
    ];
    return {
      metrics,
      notes: [
        `${trials} trial(s) per boot time and peer; ${RATE} req/s of fresh connections from 0.5 s before the command until ${afterMs / 1000} s after the first 200 from a new pid.`,
        ...ctx.peers.flatMap((p) => (RELOAD_IS[p.name] === undefined ? [] : [`${p.label}: reload = ${RELOAD_IS[p.name] ?? ""}.`])),
        "Restart = `tsgi-supervise restart`, `pm2 restart`, `supervisorctl restart`; for bare, a SIGTERM again. The `→ new pid serving` rows include each command-line tool's own start-up.",
        "`→ new pid serving` is polled from the moment the command is launched, alongside it (before issue 14: from the moment it returned, which added the old process's stop to tools that answer after it); `reload` command returns is the command's own wall time (tsgi answers once the old generation has stopped; for bare, sending a signal).",
      ],
    };
  },
};
