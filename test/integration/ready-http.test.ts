/**
 * `ready: {http: /}` against servers that close the connection after each response: the probe
 * must settle which process accepted it before that process can close it (see
 * `src/supervisor/http-probe.ts`). Each site must start and reload without a single restart.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { freePort } from "../../kit/free-port.js";
import { PROGRAMS, ROOT, SupervisorUnderTest } from "../../kit/supervisor.js";

const running: SupervisorUnderTest[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
});

const node = JSON.stringify(process.execPath);
const closing = JSON.stringify(path.join(PROGRAMS, "closing-server.mjs"));
const python = JSON.stringify(path.join(PROGRAMS, "python-http.py"));
const wsgiDir = JSON.stringify(path.join(ROOT, "test/fixtures/wsgi-sync"));

describe("ready: {http: /} with servers that close every connection", () => {
  it("a Node server with Connection: close, Python's http.server and gunicorn's sync worker start and reload with no restart", async () => {
    const [a, b, c] = [await freePort(), await freePort(), await freePort()];
    const supervisor = SupervisorUnderTest.start(`version: 1
defaults:
  ready: { http: / }
  startTimeout: 8s
  stopTimeout: 5s
sites:
  node-close:
    command: [${node}, ${closing}]
    listen: 127.0.0.1:${a}
  python-http:
    command: [python3, ${python}]
    listen: 127.0.0.1:${b}
  gunicorn-sync:
    # No --bind: gunicorn adopts fd 3 through LISTEN_FDS/LISTEN_PID in its systemd mode.
    command: [gunicorn, --workers, "1", --worker-class, sync, "hello:application"]
    cwd: ${wsgiDir}
    listen: 127.0.0.1:${c}
`);
    running.push(supervisor);
    const names = ["node-close", "python-http", "gunicorn-sync"];
    await supervisor.waitRunning(names, 30_000);
    for (const name of names) {
      const result = await supervisor.cli(["reload", name]);
      assert.equal(result.code, 0, `${name}: ${result.stdout}${result.stderr}`);
    }
    const sites = await supervisor.status();
    for (const name of names) {
      const site = sites.find((s) => s.name === name);
      assert.equal(site?.state, "running", name);
      assert.equal(site.restarts, 0, `${name} was never restarted for want of readiness`);
    }
    const notReady = supervisor.events.filter((e) => e.event === "process-not-ready" || /not ready within/.test(e.message));
    assert.deepEqual(notReady, []);
    assert.equal(await supervisor.stop(), 0);
  });
});
