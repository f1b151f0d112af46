/**
 * Graceful stop: on its stop signal the worker stops accepting, finishes in-flight requests,
 * closes keep-alive connections and exits 0, while a new worker on the same socket takes over.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { httpRequestTo, type BoundSocket, type HttpResult, type Worker } from "./harness.js";
import { useRig } from "./rig.js";

const rig = useRig();

/**
 * Starts `/slow` on `worker` and resolves once the worker is inside the handler, with the
 * response still to come (wrapped, or awaiting this would wait for the response too).
 */
async function slowRequestIn(socket: BoundSocket, worker: Worker, agent: Agent): Promise<{ response: Promise<HttpResult> }> {
  const response = httpRequestTo(socket, "/slow?ms=500", { agent });
  // Observed even if the wait below fails, so a failed test leaves no unhandled rejection.
  response.catch(() => {});
  await worker.waitFor("the slow request to reach the worker", () =>
    worker.stdout.includes(`slow request started in ${worker.pid}`) ? true : undefined,
  );
  return { response };
}

describe("worker drain", () => {
  it("finishes an in-flight request, hands new connections to the next worker, and exits 0", async (t) => {
    const agent = new Agent({ keepAlive: true });
    t.after(() => agent.destroy());
    const socket = rig.socket();
    const old = rig.start({ socket, app: "fetch-app.ts" });
    await old.ready();
    // An idle keep-alive connection must not hold the old worker up.
    assert.equal((await httpRequestTo(socket, "/", { agent })).headers["x-pid"], String(old.pid));

    const slow = await slowRequestIn(socket, old, agent);
    process.kill(old.pid, "SIGTERM");

    const next = rig.start({ socket, app: "fetch-app.ts" });
    await next.ready();
    const fresh = await httpRequestTo(socket, "/");
    assert.equal(fresh.headers["x-pid"], String(next.pid), "new connections go to the new worker");

    const finished = await slow.response;
    assert.equal(finished.status, 200);
    assert.equal(finished.body, `slow done in ${old.pid}\n`);
    assert.equal(finished.headers["connection"], "close", "the drained worker closes the connection");
    assert.deepEqual(await old.waitForExit(5_000), { code: 0, signal: null });

    assert.equal((await httpRequestTo(socket, "/", { agent })).headers["x-pid"], String(next.pid));
    assert.equal(next.exit, undefined);
  });

  it("drains the same way on SIGINT and on the site's own stop signal", async () => {
    for (const [signal, env] of [
      ["SIGINT", {}],
      ["SIGUSR2", { TSGI_STOP_SIGNAL: "SIGUSR2" }],
    ] as const) {
      const agent = new Agent({ keepAlive: true });
      try {
        const socket = rig.socket();
        const worker = rig.start({ socket, app: "fetch-app.ts", env });
        await worker.ready();
        const slow = await slowRequestIn(socket, worker, agent);
        process.kill(worker.pid, signal);
        assert.equal((await slow.response).status, 200, `${signal}: in-flight request completes`);
        assert.deepEqual(await worker.waitForExit(5_000), { code: 0, signal: null }, signal);
      } finally {
        agent.destroy();
      }
    }
  });

  it("exits 0 at once when stopped with nothing in flight", async () => {
    const socket = rig.socket();
    const worker = rig.start({ socket, app: "express-app.ts" });
    await worker.ready();
    process.kill(worker.pid, "SIGTERM");
    assert.deepEqual(await worker.waitForExit(3_000), { code: 0, signal: null });
  });

  it("serves and drains on a unix socket", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "tsgi-unix-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const agent = new Agent({ keepAlive: true });
    t.after(() => agent.destroy());
    const socket = rig.socket(join(dir, "site.sock"));
    const old = rig.start({ socket, app: "fetch-app.ts" });
    await old.ready();
    assert.equal((await httpRequestTo(socket, "/")).body, "hello, nobody\n");

    const slow = await slowRequestIn(socket, old, agent);
    process.kill(old.pid, "SIGTERM");
    const next = rig.start({ socket, app: "fetch-app.ts" });
    await next.ready();
    assert.equal((await httpRequestTo(socket, "/")).headers["x-pid"], String(next.pid));
    assert.equal((await slow.response).status, 200);
    assert.deepEqual(await old.waitForExit(5_000), { code: 0, signal: null });
    // The socket's path survives the old worker: the next one is still reachable by it.
    assert.equal((await httpRequestTo(socket, "/")).headers["x-pid"], String(next.pid));
  });
});
