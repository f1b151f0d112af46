/**
 * `app:` sites through the real supervisor: Fetch and Express applications, middleware order,
 * the settings import, and a reload into a syntax error that keeps the old generation serving.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { requestAfterStopBegan } from "../../kit/early-connection.js";
import { freePort } from "../../kit/free-port.js";
import { get } from "../../kit/http.js";
import { loadLoop } from "../../kit/load.js";
import { ROOT, SupervisorUnderTest, tempDir } from "../../kit/supervisor.js";

const running: SupervisorUnderTest[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.cleanup()));
});

describe("app: sites under the supervisor", () => {
  it("serves a Fetch app with its own settings and an Express app, middleware in order", async () => {
    const [fetchPort, expressPort] = [await freePort(), await freePort()];
    const apps = path.join(ROOT, "test/fixtures/apps");
    const supervisor = SupervisorUnderTest.start(`version: 1
sites:
  fetchy:
    app: ./fetch-app.ts
    cwd: ${JSON.stringify(apps)}
    settings: fixsettings.dev
    listen: 127.0.0.1:${fetchPort}
    middleware: [./mw-first.ts, ./mw-second.ts]
  expressy:
    app: ./express-app.ts
    cwd: ${JSON.stringify(apps)}
    listen: 127.0.0.1:${expressPort}
`);
    running.push(supervisor);
    await supervisor.waitRunning(["fetchy", "expressy"]);
    const fetched = await get(fetchPort, "/");
    assert.equal(fetched.status, 200);
    // Each middleware appends its name on the way out: the first wraps the app, so it appends first.
    assert.equal(fetched.headers["x-order"], "first, second");
    assert.match(fetched.body, /dev/, "the app sees its settings module");
    const expressed = await get(expressPort, "/");
    assert.equal(expressed.body, "hello from express\n");
    assert.equal(await supervisor.stop(), 0);
  });

  it("a reload into a syntax error is not ready: the old generation keeps serving and the error names the file", async () => {
    const dir = tempDir();
    const port = await freePort();
    fs.writeFileSync(path.join(dir, "app.ts"), 'export default (request: Request): Response => new Response("v1");\n');
    const supervisor = SupervisorUnderTest.start(
      `version: 1\nsites:\n  web:\n    app: ./app.ts\n    listen: 127.0.0.1:${port}\n    startTimeout: 10s\n`,
      { dir },
    );
    running.push(supervisor);
    const [site] = await supervisor.waitRunning(["web"]);
    fs.writeFileSync(path.join(dir, "app.ts"), 'export default (request: Request): Response => new Response("v2";\n');
    const load = loadLoop(port, { rate: 50, maxMs: 15_000 });
    const broken = await supervisor.cli(["reload", "web"]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /reload failed, old generation keeps serving/);
    assert.match(broken.stderr, /app\.ts:1:\d+/, "the error names the file and line");
    assert.equal((await get(port)).body, "v1");
    fs.writeFileSync(path.join(dir, "app.ts"), 'export default (request: Request): Response => new Response("v2");\n');
    const fixed = await supervisor.cli(["reload", "web"]);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal((await get(port)).body, "v2");
    const report = await load.stop();
    assert.equal(report.failed, 0, `failed: ${report.errors.slice(0, 3).join("; ")}`);
    assert.notDeepEqual((await supervisor.site("web")).pids, site?.pids);
    assert.equal(await supervisor.stop(), 0);
  });

  it("a connection the old worker accepted before its stop signal gets its request answered, and the worker exits by itself", async () => {
    const port = await freePort();
    const dir = tempDir("tsgi-app-early-");
    fs.writeFileSync(path.join(dir, "app.mjs"), "export default () => new Response(JSON.stringify({ pid: process.pid }));\n");
    const supervisor = SupervisorUnderTest.start(
      `version: 1
sites:
  web:
    app: ./app.mjs
    cwd: ${JSON.stringify(dir)}
    listen: 127.0.0.1:${port}
    stopTimeout: 5s
`,
      { dir },
    );
    running.push(supervisor);
    await supervisor.waitRunning(["web"]);
    const { answer, acceptedBy, reload } = await requestAfterStopBegan(supervisor, "web", port, "/");
    assert.equal(reload.code, 0, reload.stderr);
    assert.match(answer, /^HTTP\/1\.1 200/, answer.slice(0, 200) || "(closed without an answer)");
    assert.equal(Number(/"pid":(\d+)/.exec(answer)?.[1]), acceptedBy);
    const stopped = supervisor.events.find((e) => e.event === "process-stopped" && e.pid === acceptedBy);
    assert.equal(stopped?.killed, false, String(stopped?.message));
  });
});
