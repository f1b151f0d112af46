import assert from "node:assert/strict";
import { it } from "node:test";
import { renderStatusTable } from "../../../src/cli/status-table.js";
import type { SiteStatus } from "../../../src/control/protocol.js";

const base: SiteStatus = {
  name: "web",
  state: "running",
  kind: "command",
  address: "127.0.0.1:8001",
  generation: 1,
  restarts: 0,
  reason: undefined,
  scaling: undefined,
  pids: [101],
  uptimeMs: 5000,
  memoryBytes: 40 * 1024 * 1024,
  cpuPercent: 0.5,
  processes: [],
};

it("status shows a scaled site's current (min–max), an idle one's time since its last connection, and - for a fixed count", () => {
  const table = renderStatusTable([
    base,
    {
      ...base,
      name: "blog",
      state: "idle",
      pids: [],
      uptimeMs: undefined,
      memoryBytes: undefined,
      cpuPercent: undefined,
      scaling: { min: 0, max: 4, idleMs: 600_000, lastConnectionAt: 1, current: 0, sinceLastConnectionMs: 192_000 },
    },
    {
      ...base,
      name: "shop",
      pids: [7, 8],
      scaling: { min: 1, max: 4, idleMs: 600_000, lastConnectionAt: 1, current: 2, sinceLastConnectionMs: 10 },
    },
    {
      ...base,
      name: "new",
      state: "idle",
      pids: [],
      scaling: { min: 0, max: 1, idleMs: 1, lastConnectionAt: undefined, current: 0, sinceLastConnectionMs: undefined },
    },
  ]);
  const rows = table.split("\n");
  assert.match(rows[0] ?? "", /ADDRESS\s+SCALE$/);
  assert.match(rows.find((r) => r.startsWith("web ")) ?? "", /\s-$/);
  assert.match(rows.find((r) => r.startsWith("blog ")) ?? "", /idle .*0 \(0–4\)$/);
  assert.match(rows.find((r) => r.startsWith("shop ")) ?? "", /2 \(1–4\)$/);
  assert.match(table, /^blog: idle, last connection 3m12s ago; the next one starts it$/m);
  assert.match(table, /^new: idle, no connection yet; the first one starts it$/m);
});

it("memory reads as the largest unit, not the KB a resident size always is", () => {
  const table = renderStatusTable([{ ...base, memoryBytes: 42_972 * 1024 }]);
  assert.match(table, /\nweb\s+running\s+101\s+5s\s+0\s+42MB\s/);
});
