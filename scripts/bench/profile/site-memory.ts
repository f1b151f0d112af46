/**
 * What an idle site costs the supervisor's heap: a heap snapshot of `tsgi-supervise run` with 1
 * and with N idle sites (each `sleep`, its log file on), compared by constructor. Prints the
 * per-site growth of the heap and of each kind of object, the logging module's own first.
 *
 *   npm run build && node --import tsx scripts/bench/profile/site-memory.ts [N [CHECKOUT]]
 *
 * CHECKOUT: another built checkout to measure instead of this one (a "before" to compare with).
 * FILES=0 in the environment: `logs: false` (console only), to see what the site files cost.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { REPO } from "../lib/paths.js";

const N = Number(process.argv[2] ?? 100);
const FILES = process.env["FILES"] !== "0";
const CLI = path.join(process.argv[3] ?? REPO, "bin", "tsgi-supervise.js");
/** Constructors that belong to the log path (src/logging, the line reader). */
const LOGGING = [
  "DerivedLogger",
  "RotatingFileStream",
  "LogFile",
  "Window",
  "OutputLines",
  "LineSplitter",
  "RecentLines",
  "SiteFiles",
  "ConsoleOutput",
  "LineFramer",
  "ConsoleWindow",
];

interface Totals {
  /** The supervisor's RSS just before the snapshot. */
  readonly rss: number;
  readonly bytes: number;
  readonly byName: Map<string, { count: number; bytes: number }>;
}

/** Self sizes by constructor name (objects) or node type (strings, code, arrays …). */
function readSnapshot(file: string, rss: number): Totals {
  const snapshot = JSON.parse(fs.readFileSync(file, "utf8")) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const types = snapshot.snapshot.meta.node_types[0];
  const byName = new Map<string, { count: number; bytes: number }>();
  let bytes = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt] ?? 0] ?? "?";
    const size = snapshot.nodes[i + sizeAt] ?? 0;
    const key = type === "object" || type === "closure" ? (snapshot.strings[snapshot.nodes[i + nameAt] ?? 0] ?? "?") : `(${type})`;
    const entry = byName.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += size;
    byName.set(key, entry);
    bytes += size;
  }
  return { rss, bytes, byName };
}

async function snapshotWith(sites: number): Promise<Totals> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-site-memory-"));
  try {
    const lines = ["version: 1", "supervisor:", "  control: ./control.sock", `  logs: ${FILES ? "./logs" : "false"}`, "sites:"];
    for (let i = 0; i < sites; i++) lines.push(`  s${String(i)}:`, `    command: [sleep, "3600"]`, `    ready: { delay: 10ms }`);
    fs.writeFileSync(path.join(dir, "sites.yaml"), `${lines.join("\n")}\n`);
    const child = spawn(process.execPath, ["--heapsnapshot-signal=SIGUSR2", CLI, "run", "sites.yaml"], {
      cwd: dir,
      stdio: ["ignore", fs.openSync(path.join(dir, "console.out"), "w"), "inherit"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    try {
      const console = path.join(dir, "console.out");
      const running = (): number => (fs.existsSync(console) ? fs.readFileSync(console, "utf8").split("→ running").length - 1 : 0);
      for (let waited = 0; running() < sites; waited += 100) {
        if (waited > 60_000) throw new Error(`only ${String(running())} of ${String(sites)} sites running after 60 s`);
        await sleep(100);
      }
      // Settled: the start-up's garbage collected, files idle long enough to let their buffers go.
      await sleep(3000);
      const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${String(child.pid)}/status`, "utf8"))?.[1] ?? 0) * 1024;
      child.kill("SIGUSR2");
      let file: string | undefined;
      for (let waited = 0; file === undefined; waited += 100) {
        if (waited > 60_000) throw new Error("no heap snapshot within 60 s");
        await sleep(100);
        const found = fs.readdirSync(dir).find((f) => f.endsWith(".heapsnapshot"));
        // Complete once its size stops changing.
        if (found !== undefined) {
          const size = fs.statSync(path.join(dir, found)).size;
          await sleep(500);
          if (size > 0 && fs.statSync(path.join(dir, found)).size === size) file = path.join(dir, found);
        }
      }
      return readSnapshot(file, rss);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const one = await snapshotWith(1);
const many = await snapshotWith(N);
const perSite = (a: number, b: number): string => `${((b - a) / (N - 1) / 1024).toFixed(2)} KiB`;
console.log(
  `heap (self sizes): ${(one.bytes / 2 ** 20).toFixed(1)} MiB with 1 site, ${(many.bytes / 2 ** 20).toFixed(1)} MiB with ${String(N)}: ${perSite(one.bytes, many.bytes)} per extra site`,
);
console.log(
  `RSS: ${(one.rss / 2 ** 20).toFixed(1)} MiB with 1 site, ${(many.rss / 2 ** 20).toFixed(1)} MiB with ${String(N)}: ${perSite(one.rss, many.rss)} per extra site`,
);
const rows = [...many.byName].map(([name, entry]) => {
  const base = one.byName.get(name) ?? { count: 0, bytes: 0 };
  return { name, count: (entry.count - base.count) / (N - 1), bytes: entry.bytes - base.bytes };
});
let logging = 0;
console.log("\nthe log path's objects, per extra site:");
for (const row of rows.filter((r) => LOGGING.includes(r.name))) {
  logging += row.bytes;
  console.log(`  ${row.name.padEnd(16)} ${row.count.toFixed(2).padStart(6)} objects  ${perSite(0, row.bytes)}`);
}
console.log(`  (their own sizes: ${perSite(0, logging)} per site; their buffers and strings are counted below)`);
console.log("\nlargest growth by kind, per extra site:");
for (const row of rows.sort((a, b) => b.bytes - a.bytes).slice(0, 20)) {
  console.log(`  ${row.name.slice(0, 40).padEnd(40)} ${row.count.toFixed(2).padStart(7)} objects  ${perSite(0, row.bytes)}`);
}
