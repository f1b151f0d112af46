/**
 * The bare floor: `bare-spawner.mjs` runs each site's program with PORT and respawns it at once
 * when it exits. It has no reload: its "reload" and "restart" are a SIGTERM to the serving
 * process, which the spawner replaces — the least any supervisor can do.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { treeOf, track } from "../lib/cleanup.js";
import { startDaemon, within } from "../lib/exec.js";
import { pidServing } from "../../../kit/http.js";
import { reap, signal } from "../lib/proc.js";
import { baseEnv, programFor } from "./program.js";
import type { Peer, Running, SiteSpec } from "./types.js";

const SPAWNER = fileURLToPath(new URL("./bare-spawner.mjs", import.meta.url));

export const bare: Peer = {
  name: "bare",
  label: `bare spawner (node ${process.versions.node})`,
  lacks(feature) {
    switch (feature) {
      case "watch":
        return "the bare spawner watches nothing; its column holds a bare start-up (spawn → first 200), the floor for a hot reload";
      default:
        return undefined;
    }
  },
  start(sites, workDir) {
    const logDir = path.join(workDir, "logs");
    fs.mkdirSync(logDir, { recursive: true });
    const plan = sites.map((site) => {
      const program = programFor(site);
      return { argv: program.argv, cwd: program.cwd, env: { ...baseEnv(), ...program.env }, out: path.join(logDir, `${site.name}.log`) };
    });
    const planFile = path.join(workDir, "bare-sites.json");
    fs.writeFileSync(planFile, JSON.stringify(plan));
    const daemon = startDaemon(process.execPath, [SPAWNER, planFile], {
      env: baseEnv(),
      cwd: workDir,
      logFile: path.join(workDir, "spawner.log"),
    });
    let stopped: Promise<void> | undefined;
    const untrack = track(
      "bare spawner",
      () => running.stop(),
      () => treeOf(daemon.pid),
    );
    const byTerm = async (site: SiteSpec): Promise<void> => {
      const pid = await pidServing(site.port);
      if (pid === undefined) throw new Error(`bare: ${site.name} does not answer on ${site.port}`);
      signal(pid, "SIGTERM");
    };
    const running: Running = {
      reload: byTerm,
      restart: byTerm,
      status: undefined,
      daemonPids: () => [daemon.pid],
      logFiles: (site) => [path.join(logDir, `${site.name}.log`)],
      stop() {
        stopped ??= (async () => {
          const tree = treeOf(daemon.pid);
          signal(daemon.pid, "SIGTERM");
          await within(daemon.exited, 10_000);
          await reap(tree, 5000);
          untrack();
        })();
        return stopped;
      },
    };
    return running;
  },
};
