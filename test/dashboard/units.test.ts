/**
 * The dashboard's pure parts: the ring buffer, the feed on a fake supervisor with counted timers,
 * the events read off the log, the token check, and the exposure warning.
 */
import assert from "node:assert/strict";
import type http from "node:http";
import { describe, it } from "node:test";
import type { SiteStatus } from "../../src/control/protocol.js";
import { SupervisorFeed, type FeedMessage, type Timers } from "../../src/dashboard/feed.js";
import { dashboardEvents } from "../../src/dashboard/supervisor-events.js";
import { SampleRing } from "../../src/dashboard/ring.js";
import type { EventListener, SupervisorEvent } from "../../src/dashboard/view.js";
import { COOKIE, randomToken, tokenAuth } from "../../src/http/auth.js";
import { exposureWarning } from "../../src/http/exposure.js";
import { SupervisorEvents } from "../../src/supervisor/events.js";

function site(name: string, memoryBytes: number | undefined, state = "running"): SiteStatus {
  return {
    name,
    state: state as SiteStatus["state"],
    kind: "command",
    address: undefined,
    generation: 1,
    restarts: 0,
    reason: undefined,
    pids: memoryBytes === undefined ? [] : [100],
    uptimeMs: undefined,
    memoryBytes,
    cpuPercent: memoryBytes === undefined ? undefined : 1.5,
    processes: [],
    scaling: undefined,
  };
}

/** Timers that run only when the test says so. */
class ManualTimers implements Timers {
  readonly pending = new Map<number, () => void>();
  #next = 1;
  set(fn: () => void, _ms: number): unknown {
    const id = this.#next++;
    this.pending.set(id, fn);
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  runAll(): void {
    const due = [...this.pending];
    this.pending.clear();
    for (const [, fn] of due) fn();
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function fakeView(sites: () => SiteStatus[]) {
  const listeners = new Set<EventListener>();
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    emit: (event: SupervisorEvent) => listeners.forEach((l) => l(event)),
    view: {
      status: () => {
        calls += 1;
        return Promise.resolve(sites());
      },
      subscribe: (listener: EventListener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
  };
}

describe("SampleRing", () => {
  it("keeps only the last `capacity` samples, oldest first, with gaps as null", () => {
    const ring = new SampleRing(3);
    for (let t = 1; t <= 5; t++) ring.push(t, t === 4 ? undefined : t * 10, t === 4 ? undefined : t);
    assert.deepEqual(ring.series(), { time: [3, 4, 5], memory: [30, null, 50], cpu: [3, null, 5] });
    assert.equal(ring.size, 3);
  });
});

describe("SupervisorFeed", () => {
  it("samples nothing while nobody watches, samples while someone does, and stops when they leave", async () => {
    const timers = new ManualTimers();
    const fake = fakeView(() => [site("a", 1000)]);
    const feed = new SupervisorFeed(fake.view, { sampleMs: 1000, timers, now: () => 42 });
    await settle();
    assert.equal(fake.calls, 0, "no status read without a viewer");
    assert.equal(timers.pending.size, 0, "no timer without a viewer");

    const messages: FeedMessage[] = [];
    const stop = await feed.subscribe((m) => messages.push(m));
    await settle();
    assert.equal(messages[0]?.type, "hello");
    assert.equal(timers.pending.size, 1, "one sampling timer while watched");
    timers.runAll();
    await settle();
    const samples = messages.filter((m) => m.type === "sites" && m.sample);
    assert.equal(samples.length, 2, "the first sample at once, the next on the timer");

    stop();
    assert.equal(timers.pending.size, 0, "the timer is gone with the last viewer");
    feed.close();
  });

  it("hands a new viewer the history and the recent events, and pushes events with a fresh status", async () => {
    const timers = new ManualTimers();
    let memory = 1000;
    const fake = fakeView(() => [site("a", memory), site("b", undefined, "fatal")]);
    const feed = new SupervisorFeed(fake.view, { sampleMs: 1000, timers, always: true, now: () => memory });
    await settle();
    memory = 2000;
    timers.runAll();
    await settle();
    fake.emit({ type: "start-failed", time: 1, site: "b", error: "no such program" });

    const messages: FeedMessage[] = [];
    await feed.subscribe((m) => messages.push(m));
    const hello = messages[0];
    assert.ok(hello?.type === "hello");
    assert.deepEqual(hello.history["a"]?.memory, [1000, 2000]);
    assert.deepEqual(hello.history["b"]?.memory, [null, null]);
    assert.deepEqual(
      hello.events.map((e) => e.type),
      ["start-failed"],
    );

    fake.emit({ type: "state", time: 2, site: "a", from: "running", to: "backoff", detail: undefined });
    assert.equal(messages.at(-1)?.type, "event");
    timers.runAll(); // the debounced status push (and the next sample)
    await settle();
    assert.ok(messages.some((m) => m.type === "sites" && !m.sample));
    feed.close();
  });
});

describe("the supervisor's events as the dashboard keeps them", () => {
  function feedOf() {
    const core = new SupervisorEvents();
    const source = dashboardEvents(core, () => 1000);
    const seen: SupervisorEvent[] = [];
    source.subscribe((e) => seen.push(e));
    return { core, seen };
  }
  const ref = { site: "a", index: 1, generation: 1, pid: 41 };

  it("turns a crash and its restart, a start, a reload and a failed start into plain data", () => {
    const { core, seen } = feedOf();
    core.emit({
      type: "state",
      site: "a",
      from: { kind: "running", generation: 1 },
      to: { kind: "backoff", generation: 1, until: 5, lastExit: "pid 41 was killed by SIGKILL" },
      at: 900,
    });
    core.emit({ type: "process-exited", ...ref, exit: { reason: "signal", signal: "SIGKILL" }, uptimeMs: 5000, at: 900 });
    core.emit({ type: "restart-scheduled", site: "a", index: 1, generation: 1, delayMs: 100, reason: "pid 41 was killed by SIGKILL" });
    core.emit({ type: "process-not-ready", ...ref, pid: 42, reason: "timeout", message: "not ready within 30s" });
    core.emit({ type: "restart-scheduled", site: "a", index: 1, generation: 1, delayMs: 200, reason: "not ready within 30s" });
    core.emit({ type: "start-finished", site: "a", ok: true, ms: 250, error: undefined });
    core.emit({
      type: "reload-finished",
      site: "a",
      generation: 2,
      ok: false,
      ms: 800,
      reason: "hot reload",
      error: "pid 50 exited with code 1",
    });
    core.emit({ type: "start-finished", site: "b", ok: false, ms: 3, error: "port 80 needs root" });
    core.emit({ type: "processes-changed", site: "a" });

    assert.deepEqual(seen, [
      { type: "state", time: 900, site: "a", from: "running", to: "backoff", detail: "pid 41 was killed by SIGKILL" },
      {
        type: "process-exited",
        time: 900,
        site: "a",
        index: 1,
        pid: 41,
        cause: { reason: "signal", signal: "SIGKILL" },
        uptimeMs: 5000,
        detail: "pid 41 was killed by SIGKILL",
      },
      {
        type: "restart",
        time: 1000,
        site: "a",
        index: 1,
        cause: { reason: "signal", signal: "SIGKILL" },
        delayMs: 100,
        detail: "pid 41 was killed by SIGKILL",
      },
      { type: "restart", time: 1000, site: "a", index: 1, cause: { reason: "not-ready" }, delayMs: 200, detail: "not ready within 30s" },
      { type: "started", time: 1000, site: "a", durationMs: 250 },
      { type: "reload", time: 1000, site: "a", ok: false, durationMs: 800, detail: "pid 50 exited with code 1" },
      { type: "start-failed", time: 1000, site: "b", error: "port 80 needs root" },
    ]);
    assert.doesNotThrow(() => JSON.stringify(seen), "plain data");
  });
});

describe("token auth", () => {
  const token = "0123456789abcdef0123456789";
  const auth = tokenAuth(token);
  const request = (url: string, headers: http.IncomingHttpHeaders = {}, method = "GET") =>
    ({ url, headers, method }) as unknown as http.IncomingMessage;

  it("takes the right Bearer token and refuses a wrong one or none", () => {
    assert.equal(auth.check(request("/v1/sites", { authorization: `Bearer ${token}` })).kind, "ok");
    assert.equal(auth.check(request("/v1/sites", { authorization: `Bearer ${token}x` })).kind, "unauthorized");
    assert.equal(auth.check(request("/v1/sites", { authorization: "Basic Zm9vOmJhcg==" })).kind, "unauthorized");
    assert.equal(auth.check(request("/metrics")).kind, "unauthorized");
  });

  it("trades ?token= for an HttpOnly SameSite=Strict cookie that does not hold the token", () => {
    const login = auth.check(request(`/?token=${token}&x=1`));
    assert.ok(login.kind === "login");
    assert.equal(login.location, "/?x=1");
    assert.match(login.cookie, /; HttpOnly; SameSite=Strict; Path=\//);
    assert.ok(!login.cookie.includes(token));
    const value = login.cookie.split(";")[0] ?? "";
    assert.equal(auth.check(request("/", { cookie: `other=1; ${value}` })).kind, "ok");
    assert.equal(auth.check(request("/", { cookie: `${COOKIE}=forged` })).kind, "unauthorized");
    assert.equal(auth.check(request(`/?token=wrong`)).kind, "unauthorized");
    assert.equal(auth.check(request(`/v1/sites/a/stop?token=${token}`, {}, "POST")).kind, "unauthorized", "no login by POST");
    assert.equal(tokenAuth("another-token-entirely").check(request("/", { cookie: value })).kind, "unauthorized");
  });

  it("makes a new random token each time", () => {
    const tokens = new Set(Array.from({ length: 20 }, randomToken));
    assert.equal(tokens.size, 20);
    for (const t of tokens) assert.match(t, /^[A-Za-z0-9_-]{32}$/);
  });
});

describe("the exposure warning", () => {
  it("says nothing for loopback and what it means for anything else", () => {
    assert.equal(exposureWarning("127.0.0.1", 9900), undefined);
    assert.equal(exposureWarning("::1", 9900), undefined);
    const warning = exposureWarning("0.0.0.0", 9900) ?? "";
    assert.match(warning, /reachable from other machines, over plain HTTP/);
    assert.match(warning, /TLS/);
    assert.match(warning, /ssh -L 9900:127\.0\.0\.1:9900/);
  });
});

describe("check with supervisor.http", () => {
  it("shows where it listens and the warning, never the token", async () => {
    const { loadConfigText } = await import("../../src/config/load.js");
    const { describeConfig } = await import("../../src/cli/check.js");
    const token = "a-secret-token-of-some-length";
    const loaded = loadConfigText(
      `version: 1\nsupervisor:\n  http: {listen: "0.0.0.0:9900", token: "\${T}"}\nsites:\n  s: {command: [sleep, "1"]}\n`,
      "/tmp/sites.yaml",
      { env: { T: token } },
    );
    assert.ok(loaded.ok);
    assert.equal(loaded.config.http?.token, token, "the token is expanded from the environment");
    const text = describeConfig(loaded.config);
    assert.match(text, /http +http:\/\/0\.0\.0\.0:9900\/ \(dashboard, \/v1\/, \/metrics; token set/);
    assert.match(text, /warning: supervisor\.http listens on 0\.0\.0\.0:9900, reachable from other machines/);
    assert.ok(!text.includes(token));
  });
});

describe("the log tap", () => {
  it("passes the log's backpressure back and counts every line of a batch", async () => {
    const { tapLog } = await import("../../src/logging/tap.js");
    const { RecentLines } = await import("../../src/logging/recent-lines.js");
    const lag = Promise.resolve();
    const tapped = tapLog({
      event: () => undefined,
      output: () => lag,
      setFiles: () => undefined,
      recent: new RecentLines(),
      close: () => Promise.resolve(),
    });
    let counted = 0;
    tapped.listen({ output: (_site, _proc, _stream, count) => (counted += count) });
    assert.equal(tapped.log.output("a", 1, "out", ["x", "y", "z"]), lag, "the same promise, so the pipe pauses");
    void tapped.log.output("a", 1, "out", "w");
    assert.equal(counted, 4);
  });
});
