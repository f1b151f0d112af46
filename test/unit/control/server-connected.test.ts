/**
 * The control server tells the supervisor when a client connects (`ControlDeps.connected`), before
 * the request is read: the host warms its migration lock then, so a `reload` that follows finds it
 * warm. One call per connection, each before its answer.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, it } from "node:test";
import { getSites, isError } from "../../../src/control/client.js";
import { startControlServer } from "../../../src/control/server.js";
import { Supervisor } from "../../../src/supervisor/supervisor.js";
import { FakeSpawner, silentLog, VirtualClock } from "../supervisor/fakes.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsgi-connected-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

it("each connection calls connected once, before its request is answered", async () => {
  const clock = new VirtualClock();
  const socketPath = path.join(dir, "control.sock");
  const supervisor = new Supervisor(
    { file: path.join(dir, "sites.yaml"), dir, control: socketPath, logs: false, watchDebounceMs: 100, sites: [] },
    { log: silentLog(), only: undefined, clock, spawn: new FakeSpawner(clock).spawn },
  );
  const calls: string[] = [];
  const server = await startControlServer(socketPath, {
    supervisor,
    log: silentLog(),
    reloadConfig: () => Promise.reject(new Error("not asked")),
    connected: () => calls.push("connected"),
  });
  try {
    for (const n of [1, 2]) {
      const answer = await getSites(socketPath);
      assert.ok(!isError(answer), JSON.stringify(answer));
      calls.push(`answer ${n}`);
    }
    assert.deepEqual(calls, ["connected", "answer 1", "connected", "answer 2"]);
  } finally {
    await server.close();
  }
});
