/**
 * Where `tsgi-supervise reload NAME` spends its time, step by step: the command line's start-up
 * until the supervisor begins the reload, the spawn, the new process's exec of node (the launch
 * wrapper's cgroup move happens before it), its boot until it listens, readiness seen, the old
 * generation stopped, the command's exit. One instantly-booting site, the bench's environment
 * (baseEnv: no NODE_EXTRA_CA_CERTS, whose certificate loading would add ~30 ms to every node).
 *
 *   npm run build && node --import tsx scripts/bench/profile/reload-path.ts [ROUNDS] [--no-cgroup]
 *
 * Times are ms from the command's launch; medians and minimums over the rounds. The steps come
 * from the supervisor's JSON log (ms resolution) and from the fixture, which prints its
 * `performance.timeOrigin` (its node's start) and the time it listened.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../../../kit/free-port.js";
import { waitFor } from "../../../kit/wait-for.js";
import { REPO } from "../lib/paths.js";
import { baseEnv } from "../peers/program.js";

const ROUNDS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 15);
const NO_CGROUP = process.argv.includes("--no-cgroup");
const CLI = path.join(REPO, "bin", "tsgi-supervise.js");

const FIXTURE = `import http from "node:http";
const server = http.createServer((request, response) => response.end(String(process.pid)));
server.listen({ fd: 3 }, () => console.log("listening origin " + performance.timeOrigin + " now " + Date.now()));
process.on("SIGTERM", () => { server.close(() => process.exit(0)); server.closeIdleConnections(); });
`;

const STEPS = ["reload started", "spawned", "node started", "listening", "ready seen", "old stopped", "command exited"] as const;
type Step = (typeof STEPS)[number];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-reload-path-"));
fs.writeFileSync(path.join(dir, "server.mjs"), FIXTURE);
const file = path.join(dir, "sites.yaml");
fs.writeFileSync(
  file,
  [
    "version: 1",
    "supervisor:",
    "  control: ./control.sock",
    "  logs: ./logs",
    "sites:",
    "  web:",
    `    command: [${JSON.stringify(process.execPath)}, server.mjs]`,
    `    listen: 127.0.0.1:${String(await freePort())}`,
    '    ready: { log: "^listening" }',
    "",
  ].join("\n"),
);
const env = { ...baseEnv(), NO_COLOR: "1", ...(NO_CGROUP ? { TSGI_CGROUP: "off" } : {}) };
const logFile = path.join(dir, "supervisor.log");
const out = fs.openSync(logFile, "w");
const supervisor = spawn(process.execPath, [CLI, "run", file, "--log-format", "json"], { cwd: dir, env, stdio: ["ignore", out, out] });
const exited = new Promise((resolve) => supervisor.once("exit", resolve));

interface Entry {
  readonly at: number;
  readonly event?: string;
  readonly to?: string;
  readonly message: string;
}

function entries(): Entry[] {
  return fs
    .readFileSync(logFile, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => {
      const json = JSON.parse(line) as { timestamp: string; event?: string; to?: string; message: string };
      return { at: Date.parse(json.timestamp), event: json.event, to: json.to, message: json.message };
    });
}

const rounds: Partial<Record<Step, number>>[] = [];
try {
  await waitFor(
    "the site is ready",
    () => {
      if (supervisor.exitCode !== null) throw new Error(`the supervisor exited: ${fs.readFileSync(logFile, "utf8")}`);
      return entries().some((e) => e.event === "process-ready");
    },
    { timeoutMs: 30_000 },
  );
  for (let i = 0; i < ROUNDS; i++) {
    // The bench's pause between reload trials (scenarios/reload.ts): the next generation's cgroup
    // is made a second after a spawn (host/tracking.ts), so a quicker cadence measures the mkdir.
    await sleep(1500);
    const seen = entries().length;
    const launched = Date.now();
    spawnSync(process.execPath, [CLI, "reload", "web", "-c", file], { cwd: dir, env, stdio: "ignore" });
    const exited = Date.now();
    const fresh = await waitFor(
      "the reload's log lines",
      () => {
        const more = entries().slice(seen);
        return more.some((e) => e.event === "process-stopped") ? more : undefined;
      },
      { timeoutMs: 10_000 },
    );
    const at = (match: (e: Entry) => boolean): number | undefined => {
      const found = fresh.find(match);
      return found === undefined ? undefined : found.at - launched;
    };
    const child = fresh.map((e) => /listening origin ([\d.]+) now (\d+)/.exec(e.message)).find((m) => m !== null);
    rounds.push({
      "reload started": at((e) => e.event === "state" && e.to === "reloading"),
      spawned: at((e) => e.event === "process-started"),
      "node started": child === undefined ? undefined : Number(child[1]) - launched,
      listening: child === undefined ? undefined : Number(child[2]) - launched,
      "ready seen": at((e) => e.event === "process-ready"),
      "old stopped": at((e) => e.event === "process-stopped"),
      "command exited": exited - launched,
    });
  }
} finally {
  supervisor.kill("SIGTERM");
  await exited;
  fs.rmSync(dir, { recursive: true, force: true });
}

const floor = (argv: string[]): number => {
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const since = performance.now();
    spawnSync(process.execPath, argv, { env, stdio: "ignore" });
    times.push(performance.now() - since);
  }
  return Math.min(...times);
};
console.log(
  `${ROUNDS} reloads of an instantly-booting site, cgroups ${NO_CGROUP ? "off" : "as the host allows"}; ms from the command's launch`,
);
for (const step of STEPS) {
  const values = rounds.flatMap((r) => (r[step] === undefined ? [] : [r[step]])).sort((a, b) => a - b);
  const median = values[Math.floor(values.length / 2)];
  console.log(`  ${step.padEnd(16)} median ${median?.toFixed(0) ?? "-"}  min ${values[0]?.toFixed(0) ?? "-"}`);
}
console.log(`  (node -e 0 takes ${floor(["-e", "0"]).toFixed(0)} ms here, min of 9)`);
