/**
 * nodemon, the development watcher: one nodemon per site (it runs one program), started with
 * `--no-update-notifier --no-stdin` so it stays offline and never reads the terminal. It
 * restarts on a file change only: no restart after a crash, no reload or restart command.
 */
import fs from "node:fs";
import path from "node:path";
import { treeOf, track } from "../lib/cleanup.js";
import { startDaemon, within, type Daemon } from "../lib/exec.js";
import { REPO } from "../lib/paths.js";
import { reap, signal } from "../lib/proc.js";
import { baseEnv, programFor } from "./program.js";
import type { Peer, Running } from "./types.js";

const NODEMON_BIN = path.join(REPO, "node_modules", "nodemon", "bin", "nodemon.js");

export function nodemonVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", "nodemon", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

export const nodemon: Peer = {
  name: "nodemon",
  label: `nodemon ${nodemonVersion()}`,
  lacks(feature) {
    switch (feature) {
      case "reload":
      case "restart":
        return "nodemon has no reload or restart command (only `rs` on stdin, which --no-stdin turns off); it restarts on a file change";
      case "crash-restart":
        return "nodemon does not restart a crashed program: it waits for a file change";
      case "log-files":
        return "nodemon writes no log files: the program's output is its own";
      case "django":
        return "nodemon is a development tool for Node programs; not run with gunicorn";
      default:
        return undefined;
    }
  },
  start(sites, workDir) {
    const daemons: Daemon[] = [];
    const untrack = track(
      "nodemon",
      () => running.stop(),
      () => daemons.flatMap((d) => treeOf(d.pid)),
    );
    for (const site of sites) {
      const program = programFor(site);
      const args = [NODEMON_BIN, "--no-update-notifier", "--no-stdin", "--watch", program.cwd, ...program.argv.slice(1)];
      daemons.push(
        startDaemon(process.execPath, args, {
          env: { ...baseEnv(), ...program.env },
          cwd: program.cwd,
          logFile: path.join(workDir, `${site.name}.nodemon.log`),
        }),
      );
    }
    let stopped: Promise<void> | undefined;
    const unsupported = (): Promise<void> => Promise.reject(new Error("nodemon has no reload or restart command"));
    const running: Running = {
      reload: unsupported,
      restart: unsupported,
      status: undefined,
      daemonPids: () => daemons.map((d) => d.pid),
      logFiles: () => [],
      stop() {
        stopped ??= (async () => {
          const tree = daemons.flatMap((d) => treeOf(d.pid));
          for (const d of daemons) signal(d.pid, "SIGTERM");
          await within(Promise.all(daemons.map((d) => d.exited)), 10_000);
          await reap(tree, 5000);
          untrack();
        })();
        return stopped;
      },
    };
    return running;
  },
};
