import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { deferLog } from "../../../src/logging/deferred-log.js";
import { createLog, type Log } from "../../../src/logging/logger.js";
import { RecentLines } from "../../../src/logging/recent-lines.js";

/** Output is handed on once per event-loop turn. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function deferred(): { load: () => Promise<Log>; log: Log; opened: () => number; text: () => string; recent: RecentLines } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const recent = new RecentLines();
  let opened = 0;
  const { log, load } = deferLog(() => {
    opened += 1;
    return Promise.resolve(createLog({ format: "pretty", color: false, stream, recent }));
  }, recent);
  return { load, log, opened: () => opened, text: () => text, recent };
}

describe("deferred log", () => {
  it("opens nothing for events until asked, then writes what it kept in the order it came, and what comes after", async () => {
    const d = deferred();
    d.log.event("info", "first", "alpha");
    d.log.setFiles(false);
    await turn();
    assert.equal(d.opened(), 0, "events alone load nothing before load()");
    assert.equal(d.text(), "");
    await Promise.all([d.load(), d.load()]);
    d.log.event("info", "second");
    d.log.event("warn", "third");
    d.log.event("info", "fourth", "alpha");
    await turn();
    assert.equal(d.opened(), 1, "loaded once");
    const order = ["first", "second", "third", "fourth"].map((word) => d.text().indexOf(word));
    assert.ok(
      order.every((at, i) => at !== -1 && (i === 0 || at > (order[i - 1] ?? -1))),
      `in order: ${JSON.stringify(d.text())}`,
    );
    assert.match(d.text(), /^tsgi\s+» warning: third$/m);
  });

  it("a site's output loads the log at once and waits for it, after what was kept before it", async () => {
    const d = deferred();
    d.log.event("info", "before the output", "alpha");
    const waited = d.log.output("alpha", 1, "out", "a line");
    assert.ok(waited instanceof Promise, "output waits (its pipe pauses) until the log is there");
    assert.equal(d.opened(), 1, "output loads the log");
    d.log.event("info", "after the output", "alpha");
    await waited;
    await turn();
    const at = ["before the output", "a line", "after the output"].map((word) => d.text().indexOf(word));
    assert.ok(at[0] !== -1 && (at[0] ?? 0) < (at[1] ?? 0) && (at[1] ?? 0) < (at[2] ?? 0), `in order: ${JSON.stringify(d.text())}`);
    assert.match(d.text(), /^alpha\.1\s+\| a line$/m);
  });

  it("keeps the recent lines in the same place before and after the load", async () => {
    const d = deferred();
    assert.equal(d.log.recent, d.recent);
    void d.log.output("alpha", 1, "out", "early");
    await d.load();
    void d.log.output("alpha", 1, "out", "late");
    await turn();
    assert.deepEqual(
      d.recent.last("alpha", 10).map((line) => line.line),
      ["early", "late"],
    );
  });

  it("a call made while the kept ones are written waits behind them, and none is lost", async () => {
    const seen: string[] = [];
    let nested = false;
    const recent = new RecentLines();
    const d = deferLog(() => {
      const sink: Log = {
        event(_level, message) {
          seen.push(message);
          if (!nested) {
            nested = true;
            d.log.event("info", "nested");
          }
        },
        output: () => undefined,
        setFiles: () => undefined,
        recent,
        close: () => Promise.resolve(),
      };
      return Promise.resolve(sink);
    }, recent);
    d.log.event("info", "one");
    d.log.event("info", "two");
    await d.load();
    d.log.event("info", "three");
    assert.deepEqual(seen, ["one", "two", "nested", "three"]);
  });

  it("close loads the log if nothing did, so what was kept is written", async () => {
    const d = deferred();
    d.log.event("info", "said before any load");
    await d.log.close();
    assert.equal(d.opened(), 1);
    assert.match(d.text(), /said before any load/);
  });
});
