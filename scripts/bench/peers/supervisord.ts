/**
 * supervisord as its documentation sets it up: one config with a `[program:x]` per site, a
 * private unix socket for `supervisorctl`, its own pidfile and logs, run in the foreground
 * (`nodaemon`) so the harness holds its pid. Programs bind PORT themselves; supervisord has no
 * reload, so `restart` (stop, then start) stands in for it. Stopped with `supervisorctl shutdown`.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { treeOf, track } from "../lib/cleanup.js";
import { run, startDaemon, within } from "../lib/exec.js";
import { matchingFiles } from "../lib/files.js";
import { reap } from "../lib/proc.js";
import { baseEnv, programFor } from "./program.js";
import type { Peer, Running, SiteSpec } from "./types.js";

export function supervisordVersion(): string {
  try {
    return execFileSync("supervisord", ["--version"], { encoding: "utf8", timeout: 10_000 }).trim();
  } catch {
    return "not installed";
  }
}

let installedVersion: string | undefined;

export const supervisord: Peer = {
  name: "supervisord",
  // Asked when first shown, not when this module loads: on a fresh machine the harness installs
  // supervisord after loading the peers (a run there labelled it "not installed").
  get label() {
    const version = installedVersion ?? supervisordVersion();
    if (version !== "not installed") installedVersion = version;
    return `supervisord ${version}`;
  },
  lacks(feature) {
    switch (feature) {
      case "watch":
        return "supervisord watches no files";
      default:
        return undefined;
    }
  },
  async start(sites, workDir) {
    const conf = path.join(workDir, "supervisord.conf");
    const logDir = path.join(workDir, "logs");
    fs.mkdirSync(logDir, { recursive: true });
    fs.writeFileSync(conf, config(sites, workDir, logDir));
    const env = baseEnv();
    const daemon = startDaemon("supervisord", ["-n", "-c", conf], { env, cwd: workDir, logFile: path.join(workDir, "supervisord.out") });
    const ctl = (...args: string[]) => run("supervisorctl", ["-c", conf, ...args], { env, cwd: workDir, timeoutMs: 60_000 });
    const untrack = track(
      "supervisord",
      () => running.stop(),
      () => treeOf(daemon.pid),
    );
    let stopped: Promise<void> | undefined;
    const running: Running = {
      // `supervisorctl restart` waits for the stop and for `startsecs` (1 s) of the new process.
      reload: async (site) => {
        await ctl("restart", site.name);
      },
      restart: async (site) => {
        await ctl("restart", site.name);
      },
      // Exit status 3 means "some program is not running": still a status answer.
      status: async () => {
        await run("supervisorctl", ["-c", conf, "status"], { env, cwd: workDir, timeoutMs: 60_000, allowFail: true });
      },
      daemonPids: () => [daemon.pid],
      logFiles: (site) => matchingFiles(logDir, new RegExp(`^${site.name}\\.out\\.log(\\.\\d+)?$`)),
      stop() {
        stopped ??= (async () => {
          const tree = treeOf(daemon.pid);
          await ctl("shutdown").catch(() => undefined);
          if (!(await within(daemon.exited, 15_000))) daemon.child.kill("SIGTERM");
          await reap(tree, 5000);
          untrack();
        })();
        return stopped;
      },
    };
    // supervisorctl answers once the socket is up; the programs start from then on.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (!fs.existsSync(path.join(workDir, "supervisor.sock"))) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      break;
    }
    return running;
  },
};

function config(sites: readonly SiteSpec[], workDir: string, logDir: string): string {
  const sections = [
    "[unix_http_server]",
    `file=${path.join(workDir, "supervisor.sock")}`,
    "chmod=0700",
    "",
    "[supervisord]",
    `logfile=${path.join(workDir, "supervisord.log")}`,
    `pidfile=${path.join(workDir, "supervisord.pid")}`,
    `childlogdir=${logDir}`,
    "nodaemon=true",
    "silent=true",
    // Running as root without `user=` only makes supervisord log a warning; say it is meant.
    ...(process.getuid?.() === 0 ? ["user=root"] : []),
    "",
    "[rpcinterface:supervisor]",
    "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
    "",
    "[supervisorctl]",
    `serverurl=unix://${path.join(workDir, "supervisor.sock")}`,
    "",
  ];
  for (const site of sites) {
    const program = programFor(site);
    const environment = Object.entries(program.env)
      .map(([key, value]) => `${key}="${value.replaceAll("%", "%%").replaceAll('"', '\\"')}"`)
      .join(",");
    sections.push(
      `[program:${site.name}]`,
      `command=${program.argv.join(" ")}`,
      `directory=${program.cwd}`,
      `environment=${environment}`,
      "autorestart=true",
      "stopsignal=TERM",
      "stopasgroup=true",
      "killasgroup=true",
      `stdout_logfile=${path.join(logDir, `${site.name}.out.log`)}`,
      `stderr_logfile=${path.join(logDir, `${site.name}.err.log`)}`,
      "",
    );
  }
  return sections.join("\n");
}
