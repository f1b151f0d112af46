/**
 * The launchers of the on-demand scenario, each as its documentation has it: tsgi with
 * `processes: {min, max, idle}`, uWSGI's Emperor with on-demand vassals (the Emperor binds each
 * vassal's socket and spawns the vassal on its first connection; `idle` + `die-on-idle` send it
 * back), `systemd-socket-activate` (binds, and execs the program on the first connection), and
 * the programs' own cold starts (the bare floor). Each returns something to stop, tracked for
 * the harness's clean-up.
 */
import fs from "node:fs";
import path from "node:path";
import { RUN_MARK, treeOf, track } from "../lib/cleanup.js";
import { run, startDaemon, within } from "../lib/exec.js";
import { reap, signal } from "../lib/proc.js";
import { baseEnv } from "./program.js";
import { tsgiCli } from "./tsgi.js";

export interface Launched {
  readonly pid: number;
  /** Every process of it now: the daemon and all it started. */
  tree(): number[];
  stop(): Promise<void>;
}

/** Starts `file args` detached and tracked; `stop` is SIGTERM (or `stopSignal`) to it, then its tree reaped. */
export function launch(
  what: string,
  file: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string; stopSignal?: NodeJS.Signals },
): Launched {
  const daemon = startDaemon(file, args, { env: options.env, cwd: options.cwd, logFile: options.logFile, detached: true });
  let stopped: Promise<void> | undefined;
  const launched: Launched = {
    pid: daemon.pid,
    tree: () => treeOf(daemon.pid),
    stop() {
      stopped ??= (async () => {
        const tree = treeOf(daemon.pid);
        signal(daemon.pid, options.stopSignal ?? "SIGTERM");
        await within(daemon.exited, 15_000);
        await reap(tree, 5000);
        untrack();
      })();
      return stopped;
    },
  };
  const untrack = track(
    what,
    () => launched.stop(),
    () => launched.tree(),
  );
  return launched;
}

export type OnDemandApp =
  | { readonly kind: "node"; readonly dir: string }
  | { readonly kind: "django"; readonly dir: string; readonly python: string; readonly wsgi: string; readonly settings: string };

export interface TsgiSite {
  readonly name: string;
  readonly port: number;
  readonly app: OnDemandApp;
  /** `1`, `4`, or `{min: 0, idle: 1s}` as written in sites.yaml. */
  readonly processes: string;
}

const CLI = (): string => tsgiCli();

export function tsgiSitesYaml(sites: readonly TsgiSite[]): string {
  const lines = [
    "version: 1",
    "supervisor:",
    "  control: ./control.sock",
    "  logs: false",
    "defaults:",
    `  env: { ${RUN_MARK.name}: "\${${RUN_MARK.name}}" }`,
    "  stopTimeout: 5s",
    "sites:",
  ];
  for (const site of sites) {
    lines.push(`  ${site.name}:`);
    const app = site.app;
    if (app.kind === "node") {
      lines.push(
        `    command: [${JSON.stringify(process.execPath)}, server.mjs]`,
        `    cwd: ${JSON.stringify(app.dir)}`,
        `    ready: { log: "^listening" }`,
      );
    } else {
      lines.push(
        `    wsgi: ${app.wsgi}`,
        `    python: ${JSON.stringify(app.python)}`,
        `    cwd: ${JSON.stringify(app.dir)}`,
        `    settings: ${app.settings}`,
      );
    }
    lines.push(`    listen: 127.0.0.1:${site.port}`, `    processes: ${site.processes}`);
  }
  return `${lines.join("\n")}\n`;
}

export interface TsgiRunning extends Launched {
  /** `status --json`, parsed. */
  status(): Promise<readonly { name: string; state: string; pids: readonly number[] }[]>;
}

export function startTsgi(sites: readonly TsgiSite[], workDir: string): TsgiRunning {
  fs.mkdirSync(workDir, { recursive: true });
  const file = path.join(workDir, "sites.yaml");
  fs.writeFileSync(file, tsgiSitesYaml(sites));
  const env = { ...baseEnv(), NO_COLOR: "1" };
  const launched = launch("tsgi (on-demand)", process.execPath, [CLI(), "run", file], {
    cwd: workDir,
    env,
    logFile: path.join(workDir, "tsgi.out"),
  });
  return {
    ...launched,
    async status() {
      const result = await run(process.execPath, [CLI(), "status", "--json", "-c", file], { env, cwd: workDir, timeoutMs: 60_000 });
      return JSON.parse(result.output) as { name: string; state: string; pids: number[] }[];
    },
  };
}

/** One Emperor over `vassals`: each an on-demand vassal on its port, dying after `idleS` idle. */
export function startEmperor(
  vassals: readonly { name: string; port: number; app: OnDemandApp & { kind: "django" } }[],
  workDir: string,
  idleS: number,
): Launched {
  const dir = path.join(workDir, "vassals");
  fs.mkdirSync(dir, { recursive: true });
  for (const vassal of vassals) {
    const app = vassal.app;
    fs.writeFileSync(
      path.join(dir, `${vassal.name}.ini`),
      [
        "[uwsgi]",
        "plugins = python3",
        // The Emperor passes the socket as fd 0; it speaks HTTP, like gunicorn's.
        "protocol = http",
        `chdir = ${app.dir}`,
        `module = ${app.wsgi}`,
        `env = DJANGO_SETTINGS_MODULE=${app.settings}`,
        `env = ${RUN_MARK.name}=${RUN_MARK.value}`,
        "master = true",
        "processes = 1",
        `idle = ${idleS}`,
        "die-on-idle = true",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(path.join(dir, `${vassal.name}.ini.socket`), `127.0.0.1:${vassal.port}\n`);
  }
  // SIGINT stops an Emperor and its vassals at once (SIGTERM is its "reload").
  return launch("uWSGI Emperor", "uwsgi", ["--emperor", dir, "--emperor-on-demand-extension", ".socket"], {
    cwd: workDir,
    env: baseEnv(),
    logFile: path.join(workDir, "emperor.log"),
    stopSignal: "SIGINT",
  });
}

/** `systemd-socket-activate -l 127.0.0.1:PORT node server.mjs`: the fixture serves on fd 3 (LISTEN_FDS). */
export function startSocketActivate(port: number, app: OnDemandApp & { kind: "node" }, workDir: string): Launched {
  fs.mkdirSync(workDir, { recursive: true });
  return launch(
    "systemd-socket-activate",
    "systemd-socket-activate",
    ["-l", `127.0.0.1:${port}`, "-E", `${RUN_MARK.name}=${RUN_MARK.value}`, process.execPath, path.join(app.dir, "server.mjs")],
    { cwd: app.dir, env: baseEnv(), logFile: path.join(workDir, "socket-activate.log") },
  );
}

/** The program alone, binding its own port: the floor of a cold start. */
export function startBare(port: number, app: OnDemandApp, workDir: string, workers = 1): Launched {
  fs.mkdirSync(workDir, { recursive: true });
  const logFile = path.join(workDir, `bare-${port}.log`);
  if (app.kind === "node") {
    return launch("bare program", process.execPath, [path.join(app.dir, "server.mjs")], {
      cwd: app.dir,
      env: { ...baseEnv(), PORT: String(port) },
      logFile,
    });
  }
  return launch("bare gunicorn", app.python, ["-m", "gunicorn", "--bind", `127.0.0.1:${port}`, "--workers", String(workers), app.wsgi], {
    cwd: app.dir,
    env: { ...baseEnv(), DJANGO_SETTINGS_MODULE: app.settings, PYTHONUNBUFFERED: "1" },
    logFile,
  });
}

/** Is something listening on 127.0.0.1:port? Read from /proc/net/tcp, so no connection wakes it. */
export function listening(port: number): boolean {
  try {
    const rows = fs.readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1);
    const hex = port.toString(16).toUpperCase().padStart(4, "0");
    return rows.some((row) => {
      const fields = row.trim().split(/\s+/);
      return fields[1]?.endsWith(`:${hex}`) === true && fields[3] === "0A";
    });
  } catch {
    return false;
  }
}
