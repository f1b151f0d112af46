/**
 * `npm run bench [-- --quick] [--only crash,reload] [--merge] [--peers tsgi,bare] [--keep] [--no-install]`
 *
 * Runs every scenario for every peer (tsgi, the bare spawner, PM2 fork and cluster, supervisord,
 * nodemon) on 127.0.0.1, and writes a markdown table plus the raw JSON to bench-results/. A full
 * run of everything also updates BENCHMARKS.md (between its markers) and
 * scripts/bench/results/latest.json, which are committed. `--only X --merge` (every peer; `--quick`
 * allowed, and then said in the rows' notes) replaces just those scenarios' rows there and keeps
 * the others: each scenario measures its peers and the bare floor side by side in its own run, so
 * its ratios stand on their own.
 *
 * Everything it starts is stopped: after each scenario, on an error, and on SIGINT/SIGTERM.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { installSignalHandlers, stopEverything, track, trackedPids } from "./lib/cleanup.js";
import { judge } from "./lib/goals.js";
import { ourPids, waitQuiet, withOthersMeasured } from "./lib/quiet.js";
import { BENCH, REPO } from "./lib/paths.js";
import { renderMarkdown, type Metric, type Results } from "./lib/report.js";
import { PEERS } from "./peers/index.js";
import { useSnapshotOf } from "./peers/tsgi.js";
import { nodemonVersion } from "./peers/nodemon.js";
import { pm2Version } from "./peers/pm2.js";
import { supervisordVersion } from "./peers/supervisord.js";
import { PEER_NAMES, type PeerName } from "./peers/types.js";
import { copyFixture, errorMessage, portAllocator, type Context, type DjangoProject, type Scenario } from "./scenarios/context.js";
import { crash } from "./scenarios/crash.js";
import { dashboard } from "./scenarios/dashboard.js";
import { footprint } from "./scenarios/footprint.js";
import { prepareDjango } from "./scenarios/django.js";
import { logs } from "./scenarios/logs.js";
import { orphans } from "./scenarios/orphans.js";
import { onDemand } from "./scenarios/on-demand.js";
import { reload } from "./scenarios/reload.js";
import { throughput } from "./scenarios/throughput.js";
import { watch } from "./scenarios/watch.js";
import { asgi } from "./scenarios/asgi.js";
import { worker } from "./scenarios/worker.js";
import { router } from "./scenarios/router.js";
import { chaosRss } from "./scenarios/chaos-rss.js";

/** Below this share of all CPUs busy (2 s sample) the machine counts as quiet. */
const QUIET_LIMIT = 10;

const SCENARIOS: readonly Scenario[] = [
  crash,
  reload,
  watch,
  footprint,
  throughput,
  logs,
  asgi,
  worker,
  orphans,
  onDemand,
  dashboard,
  router,
  chaosRss,
];

interface Options {
  readonly quick: boolean;
  readonly only: readonly string[] | undefined;
  readonly peers: readonly PeerName[];
  readonly keep: boolean;
  readonly install: boolean;
  readonly merge: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  let quick = false;
  let only: string[] | undefined;
  let peers: PeerName[] = [...PEER_NAMES];
  let keep = false;
  let install = true;
  let merge = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) usage(`${arg ?? ""} needs a value`);
      return next;
    };
    if (arg === "--quick") quick = true;
    else if (arg === "--keep") keep = true;
    else if (arg === "--no-install") install = false;
    else if (arg === "--merge") merge = true;
    else if (arg === "--only") only = value().split(",");
    else if (arg === "--peers") {
      const names = value().split(",");
      const unknown = names.filter((n) => !(PEER_NAMES as readonly string[]).includes(n));
      if (unknown.length > 0) usage(`unknown peer ${unknown.join(", ")}; peers: ${PEER_NAMES.join(", ")}`);
      // bare is the floor of every ratio: always measured.
      peers = PEER_NAMES.filter((n) => n === "bare" || names.includes(n));
    } else usage(`unknown argument ${arg ?? ""}`);
  }
  const unknown = (only ?? []).filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0) usage(`unknown scenario ${unknown.join(", ")}; scenarios: ${SCENARIOS.map((s) => s.id).join(", ")}`);
  if (merge && only === undefined) usage("--merge goes with --only");
  return { quick, only, peers, keep, install, merge };
}

function usage(message: string): never {
  console.error(
    `bench: ${message}\nusage: npm run bench -- [--quick] [--only ${SCENARIOS.map((s) => s.id).join(",")}] [--merge] [--peers ${PEER_NAMES.join(",")}] [--keep] [--no-install]`,
  );
  process.exit(2);
}

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

/** PM2, nodemon and autocannon come from devDependencies; supervisord, wrk, gunicorn and Django from Debian. */
function install(): void {
  const missing = ["pm2", "nodemon"].filter((name) => !fs.existsSync(path.join(REPO, "node_modules", name, "package.json")));
  if (missing.length > 0) {
    log(`installing dev dependencies (${missing.join(", ")} missing): npm install`);
    execFileSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: REPO, stdio: "inherit" });
  }
  execFileSync("bash", [path.join(BENCH, "install.sh")], { cwd: REPO, stdio: "inherit" });
  // As `npm run build`: tsc, then the command line's and the worker's bundles (a dist/bundle/
  // left from an older build would otherwise be what runs).
  log("building tsgi: node scripts/build.mjs");
  execFileSync(process.execPath, [path.join(REPO, "scripts", "build.mjs")], { cwd: REPO, stdio: "inherit" });
}

function tryCommand(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (error) {
    const out = (error as { stdout?: string; stderr?: string }).stdout ?? "";
    return out.trim() || "not installed";
  }
}

function machine(): string {
  const cpus = os.cpus();
  const release = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(
    fs.existsSync("/etc/os-release") ? fs.readFileSync("/etc/os-release", "utf8") : "",
  )?.[1];
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${release ?? os.type()} (Linux ${os.release()})`;
}

function versions(django: DjangoProject | undefined): Record<string, string> {
  const commit = tryCommand("git", ["-C", REPO, "rev-parse", "--short", "HEAD"]);
  const dirty = tryCommand("git", ["-C", REPO, "status", "--porcelain", "--", "src"]) === "" ? "" : "+uncommitted src";
  // A run without the Django rows still names the versions they would use (the system's
  // interpreter, as scenarios/django.ts picks it), not "not installed" from another python3.
  const python = django?.python ?? (fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
  return {
    tsgi: `${(JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string }).version} (${commit}${dirty})`,
    node: process.versions.node,
    PM2: pm2Version(),
    nodemon: nodemonVersion(),
    supervisord: supervisordVersion(),
    gunicorn: tryCommand(python, ["-c", "import gunicorn; print(gunicorn.__version__)"]),
    Django: tryCommand(python, ["-c", "import django; print(django.__version__)"]),
    uWSGI: tryCommand("uwsgi", ["--version"]),
    wrk:
      tryCommand("wrk", ["--version"])
        .split("\n")[0]
        ?.replace(/ Copyright.*/, "")
        .replace(/^wrk /, "") ?? "not installed",
  };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  installSignalHandlers(log);
  if (options.install) install();
  const started = Date.now();
  const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-bench-"));
  log(`work folder ${workRoot}${options.keep ? " (kept)" : ""}`);
  // Tracked first, so stopped last: every peer is down before its files go (also on Ctrl-C).
  if (!options.keep)
    track(
      "work folder",
      () => fs.rmSync(workRoot, { recursive: true, force: true }),
      () => [],
    );
  useSnapshotOf(REPO, path.join(workRoot, "tsgi-build"));
  const tsgiVersion = versions(undefined).tsgi ?? "unknown";
  const nextPort = portAllocator();
  let django: Promise<DjangoProject | undefined> | undefined;
  const flags = (scenario: string): string => {
    const parts = ["npm run bench --"];
    if (options.quick) parts.push("--quick");
    parts.push(`--only ${scenario}`);
    return parts.join(" ");
  };
  const ctx: Context = {
    quick: options.quick,
    peers: options.peers.map((name) => PEERS[name]),
    workRoot,
    log,
    port: nextPort,
    fixtureCopy: (name) => copyFixture(workRoot, name),
    django: () => (django ??= prepareDjango(workRoot, log)),
    command: flags,
  };
  /** After each scenario: whatever a scenario left running is stopped (the work folder stays). */
  const stopPeers = (): Promise<void> => stopEverything(log, (what) => what === "work folder");
  const metrics: Metric[] = [];
  const notes: Record<string, string[]> = {};
  const titles: Record<string, string> = {};
  const chosen = SCENARIOS.filter((s) => options.only === undefined || options.only.includes(s.id));
  try {
    for (const scenario of chosen) {
      titles[scenario.id] = scenario.title;
      log(`scenario ${scenario.id}: ${scenario.title}`);
      const busy = await waitQuiet(QUIET_LIMIT, options.quick ? 10_000 : 180_000, log);
      const scenarioStarted = Date.now();
      try {
        const { result, others } = await withOthersMeasured(
          () => ourPids(trackedPids),
          () => scenario.run(ctx),
        );
        metrics.push(...result.metrics);
        notes[scenario.id] = [
          ...result.notes,
          `Other work on this machine (not the benchmark's processes) used ${others.toFixed(1)} % of all CPUs on average during the scenario; ${busy.toFixed(0)} % just before it${others > QUIET_LIMIT || busy > QUIET_LIMIT ? " — read its numbers with care" : ""}.`,
        ];
      } catch (error) {
        log(`scenario ${scenario.id} failed: ${errorMessage(error)}`);
        notes[scenario.id] = [`This scenario failed: ${errorMessage(error)}`];
      } finally {
        await stopPeers();
      }
      log(`scenario ${scenario.id} done in ${Math.round((Date.now() - scenarioStarted) / 1000)} s`);
    }
  } finally {
    await stopEverything(log);
  }
  for (const m of metrics) {
    const verdict = judge(m);
    if (verdict !== undefined) m.verdict = verdict;
  }
  const argv = process.argv.slice(2).filter((a) => a !== "--no-install" && a !== "--keep");
  const results: Results = {
    info: {
      date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      mode: options.quick ? "quick" : "full",
      machine: machine(),
      versions: { ...versions(await (django ?? Promise.resolve(undefined))), tsgi: tsgiVersion },
      command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`,
      durationS: (Date.now() - started) / 1000,
      peers: options.peers.map((name) => ({ name, label: PEERS[name].label })),
      load: "200 req/s of fresh connections (one GET each, no keep-alive) from the harness while a peer reloads, restarts or crashes; throughput with wrk (keep-alive).",
    },
    metrics,
    notes,
  };
  const markdown = renderMarkdown(results, options.peers, titles);
  const outDir = path.join(REPO, "bench-results");
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = results.info.date.replaceAll(":", "-");
  fs.writeFileSync(path.join(outDir, `${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, `${stamp}.md`), markdown);
  log(`wrote bench-results/${stamp}.json and .md`);
  const allPeers = options.peers.length === PEER_NAMES.length;
  const latestFile = path.join(BENCH, "results", "latest.json");
  if (allPeers && ((!options.quick && options.only === undefined) || options.merge)) {
    const kept = options.merge && fs.existsSync(latestFile) ? (JSON.parse(fs.readFileSync(latestFile, "utf8")) as Results) : undefined;
    const merged = kept === undefined ? results : mergeResults(kept, results, new Set(chosen.map((s) => s.id)));
    fs.mkdirSync(path.join(BENCH, "results"), { recursive: true });
    fs.writeFileSync(latestFile, `${JSON.stringify(merged, null, 2)}\n`);
    const allTitles = Object.fromEntries(SCENARIOS.map((s) => [s.id, s.title]));
    updateBenchmarksMd(kept === undefined ? markdown : renderMarkdown(merged, options.peers, allTitles));
    log("updated BENCHMARKS.md and scripts/bench/results/latest.json");
  }
  process.stdout.write(markdown);
  return 0;
}

/**
 * The committed results with the scenarios just run replaced, in the harness's scenario order;
 * each scenario's rows say when and with which command they were measured (its notes).
 */
function mergeResults(kept: Results, fresh: Results, ran: ReadonlySet<string>): Results {
  const order = (id: string): number => SCENARIOS.findIndex((s) => s.id === id);
  const metrics = [...kept.metrics.filter((m) => !ran.has(m.scenario)), ...fresh.metrics].sort(
    (a, b) => order(a.scenario) - order(b.scenario),
  );
  const notes: Record<string, readonly string[]> = { ...kept.notes };
  for (const id of ran)
    notes[id] = [
      ...(fresh.notes[id] ?? []),
      `Measured on ${fresh.info.date} by \`${fresh.info.command}\` (tsgi ${fresh.info.versions["tsgi"] ?? "?"}).`,
    ];
  const keptIds = new Set(kept.metrics.map((m) => m.scenario).filter((id) => !ran.has(id)));
  for (const id of keptIds) {
    const note = `Measured on ${kept.info.date} by \`${kept.info.command}\`.`;
    if (!(notes[id] ?? []).some((line) => line.startsWith("Measured on "))) notes[id] = [...(notes[id] ?? []), note];
  }
  // A full run reproduces every row; each scenario's notes say which run measured it.
  return { info: { ...fresh.info, mode: kept.info.mode, command: "npm run bench" }, metrics, notes };
}

const BEGIN = "<!-- bench:begin (generated by npm run bench; edit outside the markers) -->";
const END = "<!-- bench:end -->";

/** Replaces the generated part of BENCHMARKS.md, keeping what people wrote around it. */
function updateBenchmarksMd(markdown: string): void {
  const file = path.join(REPO, "BENCHMARKS.md");
  const block = `${BEGIN}\n${markdown}\n${END}`;
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    start !== -1 && end > start ? `${current.slice(0, start)}${block}${current.slice(end + END.length)}` : `${block}\n${current}`;
  fs.writeFileSync(file, next);
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await stopEverything(log);
    process.exit(1);
  },
);
