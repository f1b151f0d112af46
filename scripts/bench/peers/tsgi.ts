/**
 * tsgi as its documentation has it: one `sites.yaml`, `tsgi-supervise run` in the foreground,
 * each site on a socket tsgi binds (`listen:`) and hands over as fd 3, control through the CLI.
 * The fixture is a `command:` site ready when it logs `listening`; Django is a `wsgi:` site.
 */
import fs from "node:fs";
import path from "node:path";
import { RUN_MARK, treeOf, track } from "../lib/cleanup.js";
import { run, startDaemon, within } from "../lib/exec.js";
import { matchingFiles } from "../lib/files.js";
import { reap, signal } from "../lib/proc.js";
import { REPO } from "../lib/paths.js";
import { baseEnv, logWriterEnv } from "./program.js";
import type { Peer, Running, SiteSpec } from "./types.js";

const version = (JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string }).version;
let CLI = path.join(REPO, "bin", "tsgi-supervise.js");

/**
 * Runs tsgi from a snapshot of the build (bin/, dist/, package.json, node_modules linked), so a
 * rebuild of dist/ in the checkout during a long run cannot change what is measured halfway.
 */
export function useSnapshotOf(repo: string, into: string): void {
  CLI = snapshot(repo, into);
}

function snapshot(repo: string, into: string): string {
  fs.mkdirSync(into, { recursive: true });
  for (const part of ["bin", "dist"]) fs.cpSync(path.join(repo, part), path.join(into, part), { recursive: true });
  fs.copyFileSync(path.join(repo, "package.json"), path.join(into, "package.json"));
  fs.symlinkSync(path.join(repo, "node_modules"), path.join(into, "node_modules"), "dir");
  return path.join(into, "bin", "tsgi-supervise.js");
}

/** The tsgi command line the run measures (the snapshot once `useSnapshotOf` made it). */
export function tsgiCli(): string {
  return CLI;
}

export const tsgi: Peer = peerRunning(() => CLI);

/**
 * tsgi from another built checkout (a snapshot of it, as `useSnapshotOf` makes), for a profile
 * that measures another build, or two builds side by side (`profile/startup.ts --repo/--against`).
 */
export function tsgiSnapshotOf(repo: string, into: string): Peer {
  const cli = snapshot(repo, into);
  return peerRunning(() => cli);
}

function peerRunning(cliOf: () => string): Peer {
  return {
    name: "tsgi",
    label: `tsgi ${version}`,
    lacks: () => undefined,
    start(sites, workDir) {
      const cli = cliOf();
      const file = path.join(workDir, "sites.yaml");
      fs.writeFileSync(file, sitesYaml(sites));
      const env = { ...baseEnv(), NO_COLOR: "1" };

      // Detached: a group of its own, so the terminal's Ctrl-C reaches the harness only, which
      // then stops tsgi the documented way (SIGTERM).
      const daemon = startDaemon(process.execPath, [cli, "run", file], {
        env,
        cwd: workDir,
        logFile: path.join(workDir, "tsgi.out"),
        detached: true,
      });
      const untrack = track(
        "tsgi",
        () => running.stop(),
        () => treeOf(daemon.pid),
      );
      const control = async (action: string, site: SiteSpec): Promise<void> => {
        await run(process.execPath, [cli, action, site.name, "-c", file], { env, cwd: workDir, timeoutMs: 60_000 });
      };
      let stopped: Promise<void> | undefined;
      const running: Running = {
        reload: (site) => control("reload", site),
        restart: (site) => control("restart", site),
        status: async () => {
          await run(process.execPath, [cli, "status", "--json", "-c", file], { env, cwd: workDir, timeoutMs: 60_000 });
        },
        daemonPids: () => [daemon.pid],
        // `alpha.log` with winston-style (`alpha1.log`) or logrotate-style (`alpha.log.1`) rotations.
        logFiles: (site) => matchingFiles(path.join(workDir, "logs"), new RegExp(`^${site.name}\\d*\\.log(\\.\\d+)?$`)),
        stop() {
          stopped ??= (async () => {
            const tree = treeOf(daemon.pid);
            signal(daemon.pid, "SIGTERM");
            await within(daemon.exited, 15_000);
            await reap(tree, 5000);
            untrack();
          })();
          return stopped;
        },
      };
      return running;
    },
  };
}

function sitesYaml(sites: readonly SiteSpec[]): string {
  const lines = [
    "version: 1",
    "supervisor:",
    "  control: ./control.sock",
    "  logs: ./logs",
    // tsgi builds each site's environment afresh, so the run's mark (for the final clean-up
    // sweep) is passed on the documented way: `${VAR}` from the supervisor's environment.
    "defaults:",
    `  env: { ${RUN_MARK.name}: "\${${RUN_MARK.name}}" }`,
    "sites:",
  ];
  for (const site of sites) {
    const app = site.app;
    lines.push(`  ${site.name}:`);
    switch (app.kind) {
      case "node":
        lines.push(
          `    command: [${JSON.stringify(process.execPath)}, server.mjs]`,
          `    cwd: ${JSON.stringify(app.dir)}`,
          `    settings: ${site.settings}`,
          `    listen: 127.0.0.1:${site.port}`,
          `    ready: { log: "^listening" }`,
          `    env: { START_DELAY_MS: "${app.startDelayMs}" }`,
        );
        break;
      case "log-writer":
        lines.push(
          `    command: [${JSON.stringify(process.execPath)}, log-writer.mjs]`,
          `    cwd: ${JSON.stringify(app.dir)}`,
          `    settings: ${site.settings}`,
          `    env: ${JSON.stringify(logWriterEnv(site.name, app.dir, app.lines))}`,
          `    ready: { log: "^begin" }`,
        );
        break;
      case "django":
        lines.push(
          `    wsgi: ${app.wsgi}`,
          `    python: ${JSON.stringify(app.python)}`,
          `    cwd: ${JSON.stringify(app.dir)}`,
          `    settings: ${site.settings}`,
          `    listen: 127.0.0.1:${site.port}`,
        );
        break;
      default:
        throw new Error(`unknown app ${JSON.stringify(app satisfies never)}`);
    }
    if (site.watch) lines.push("    watch: true");
  }
  return `${lines.join("\n")}\n`;
}
