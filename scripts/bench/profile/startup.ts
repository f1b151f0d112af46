/**
 * Start-up of N sites → all serving, tsgi against the bare spawner, trials interleaved (bare,
 * tsgi, bare, tsgi…) so both see the same load. The footprint scenario's start-up rows without
 * the rest of it, for measuring one change at a time; prints each trial and the medians.
 *
 *   npm run build && node --import tsx scripts/bench/profile/startup.ts [--repo DIR] [--against DIR] [TRIALS [COUNT…]]
 *
 * `--repo DIR` measures the build of another checkout (built there), e.g. the commit before a
 * change, against the same bare spawner. `--against DIR` measures both, this one's and DIR's,
 * in turn with the bare spawner (bare, tsgi, DIR's tsgi, bare…): an A/B of one change under the
 * same load. `POLL_MS=2` polls for "serving" every 2 ms instead of
 * the bench's (`servingPollMs`: 2 ms for one site, 20 up to 20, 50 above), for differences
 * smaller than one poll.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { waitAllServing } from "../../../kit/http.js";
import { stopEverything } from "../lib/cleanup.js";
import { FIXTURE } from "../lib/paths.js";
import { bare } from "../peers/bare.js";
import { tsgi, tsgiSnapshotOf } from "../peers/tsgi.js";
import type { Peer } from "../peers/types.js";
import { nodeSites, portAllocator, servingPollMs } from "../scenarios/context.js";

const argv = process.argv.slice(2);
const repoAt = argv.indexOf("--repo");
const repo = repoAt === -1 ? undefined : argv.splice(repoAt, 2)[1];
const againstAt = argv.indexOf("--against");
const against = againstAt === -1 ? undefined : argv.splice(againstAt, 2)[1];
const TRIALS = Number(argv[0] ?? 5);
const COUNTS = argv.length > 1 ? argv.slice(1).map(Number) : [1, 20];
const port = portAllocator();
const work = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-startup-"));
const peers: { readonly key: string; readonly peer: Peer }[] = [
  { key: "bare", peer: bare },
  { key: "tsgi", peer: repo === undefined ? tsgi : tsgiSnapshotOf(path.resolve(repo), path.join(work, "build")) },
  ...(against === undefined ? [] : [{ key: "against", peer: tsgiSnapshotOf(path.resolve(against), path.join(work, "against")) }]),
];

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

async function once(key: string, peer: Peer, count: number, trial: number): Promise<number> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await port());
  const dir = path.join(work, `${count}-${trial}-${key}`);
  fs.mkdirSync(dir, { recursive: true });
  const since = performance.now();
  const running = await peer.start(nodeSites(count, ports, FIXTURE, `s${count}-`), dir);
  try {
    const waited = await waitAllServing(ports, {
      since,
      timeoutMs: 120_000,
      intervalMs: Number(process.env["POLL_MS"] ?? servingPollMs(count)),
      path: "/",
    });
    if (waited.ms === undefined) throw new Error(`${peer.name}: ${waited.serving} of ${count} serving (see ${dir})`);
    return waited.ms;
  } finally {
    await running.stop();
  }
}

try {
  for (const count of COUNTS) {
    const times = new Map<string, number[]>(peers.map(({ key }) => [key, []]));
    for (let t = 0; t < TRIALS; t++) {
      for (const { key, peer } of peers) {
        const ms = await once(key, peer, count, t);
        times.get(key)?.push(ms);
        console.log(`${count} sites, ${key}: ${Math.round(ms)} ms (load ${os.loadavg()[0]?.toFixed(2)})`);
      }
    }
    const b = median(times.get("bare") ?? []);
    const others = peers
      .filter(({ key }) => key !== "bare")
      .map(({ key }) => {
        const s = median(times.get(key) ?? []);
        return `${key} ${Math.round(s)} ms, ${(s / b).toFixed(2)} ×`;
      });
    console.log(`== ${count} sites: bare ${Math.round(b)} ms, ${others.join("; ")} (medians of ${TRIALS})`);
  }
} finally {
  await stopEverything(() => undefined);
  fs.rmSync(work, { recursive: true, force: true });
}
