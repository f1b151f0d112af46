/**
 * PM2 the way its documentation sets it up: an ecosystem file, `pm2 start` (which spawns the
 * God daemon), `pm2 reload` / `pm2 restart`, `pm2 kill`. Kept offline and contained: a fresh
 * PM2_HOME per start with its `touch` file, version check and interaction off.
 * Fork mode: PM2 spawns the script, which binds PORT itself. Cluster mode: the daemon is the
 * cluster master and owns the listening socket; `reload` starts the new worker, waits for its
 * `listening` (at most `listen_timeout`, 3 s by default), then stops the old one.
 */
import fs from "node:fs";
import path from "node:path";
import { treeOf, track } from "../lib/cleanup.js";
import { run, within } from "../lib/exec.js";
import { matchingFiles } from "../lib/files.js";
import { alive, pidsWithEnv, reap, signal } from "../lib/proc.js";
import { REPO } from "../lib/paths.js";
import { baseEnv, programFor } from "./program.js";
import type { Peer, Running, SiteSpec } from "./types.js";

const PM2_BIN = path.join(REPO, "node_modules", "pm2", "bin", "pm2");

export function pm2Version(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", "pm2", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

export function pm2Peer(mode: "fork" | "cluster"): Peer {
  return {
    name: mode === "fork" ? "pm2-fork" : "pm2-cluster",
    label: `PM2 ${pm2Version()} ${mode}`,
    lacks(feature) {
      if (feature === "django" && mode === "cluster") return "cluster mode runs Node scripts only";
      return undefined;
    },
    async start(sites, workDir) {
      const home = path.join(workDir, "pm2-home");
      fs.mkdirSync(home, { recursive: true });
      fs.writeFileSync(path.join(home, "touch"), "");
      const env: NodeJS.ProcessEnv = {
        ...baseEnv(),
        PM2_HOME: home,
        PM2_DISABLE_VERSION_CHECK: "true",
        PM2_NO_INTERACTION: "true",
        PM2_DISCRETE_MODE: "true",
      };
      const ecosystem = path.join(workDir, "ecosystem.config.cjs");
      fs.writeFileSync(ecosystem, `module.exports = ${JSON.stringify({ apps: sites.map((site) => appEntry(site, mode)) }, null, 2)};\n`);
      const pm2 = (...args: string[]) => run(process.execPath, [PM2_BIN, ...args], { env, cwd: workDir, timeoutMs: 120_000 });
      const daemonPid = (): number | undefined => {
        const pid = Number(fs.readFileSync(path.join(home, "pm2.pid"), { encoding: "utf8", flag: "r" }).trim());
        return Number.isInteger(pid) && pid > 1 ? pid : undefined;
      };
      const knownPid = (): number | undefined => {
        try {
          return daemonPid();
        } catch {
          return undefined;
        }
      };
      const untrack = track(
        `PM2 ${mode}`,
        () => running.stop(),
        () => treeOf(knownPid()),
      );
      let stopped: Promise<void> | undefined;
      const running: Running = {
        reload: async (site) => {
          await pm2("reload", site.name);
        },
        restart: async (site) => {
          await pm2("restart", site.name);
        },
        status: async () => {
          await pm2("jlist");
        },
        daemonPids: () => {
          const pid = knownPid();
          return pid === undefined ? [] : [pid];
        },
        logFiles: (site) => matchingFiles(path.join(home, "logs"), new RegExp(`^${site.name}-out(-\\d+)?\\.log$`)),
        stop() {
          stopped ??= (async () => {
            const pid = knownPid();
            const tree = treeOf(pid);
            await pm2("kill").catch(() => undefined);
            if (pid !== undefined) await within(waitGone(pid), 10_000);
            await reap(tree, 5000);
            // A daemon spawned while a stop raced a start has no pidfile yet: find it by its PM2_HOME.
            const left = pidsWithEnv("PM2_HOME", home);
            for (const p of left) signal(p, "SIGTERM");
            await reap(left, 3000);
            untrack();
          })();
          return stopped;
        },
      };
      await pm2("start", ecosystem);
      return running;
    },
  };
}

async function waitGone(pid: number): Promise<void> {
  while (alive(pid)) await new Promise((r) => setTimeout(r, 25));
}

function appEntry(site: SiteSpec, mode: "fork" | "cluster"): Record<string, unknown> {
  const program = programFor(site);
  const common = { name: site.name, cwd: program.cwd, env: program.env, autorestart: true, watch: site.watch };
  if (site.app.kind === "django") {
    // A non-Node program: PM2 runs it as is (`interpreter: none`), fork mode only.
    return { ...common, script: program.argv[0], args: program.argv.slice(1), interpreter: "none", exec_mode: "fork" };
  }
  const script = program.argv[1];
  return mode === "fork" ? { ...common, script, exec_mode: "fork" } : { ...common, script, exec_mode: "cluster", instances: 1 };
}
