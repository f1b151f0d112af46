import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { colorWanted } from "../../../src/logging/color.js";
import { createLog } from "../../../src/logging/logger.js";

/** Output is handed on once per event-loop turn. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function capture(format: "pretty" | "json", color: boolean): { log: ReturnType<typeof createLog>; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { log: createLog({ format, color, stream }), text: () => text };
}

describe("logger", () => {
  it("prefixes each line with the site and process number, and keeps events in order", async () => {
    const { log, text } = capture("pretty", false);
    void log.output("alpha", 2, "out", "hello");
    log.event("info", "started", "alpha");
    await turn();
    assert.ok(text().indexOf("hello") < text().indexOf("started"), "output before the event that followed it");
    assert.match(text(), /^alpha\.2\s+\| hello$/m);
    assert.match(text(), /^alpha\s+» started$/m);
  });

  it("writes no colour codes when colour is off, one colour per site when on", async () => {
    const plain = capture("pretty", false);
    void plain.log.output("alpha", 1, "out", "x");
    await turn();
    assert.ok(!plain.text().includes("\u001b["));
    const coloured = capture("pretty", true);
    void coloured.log.output("alpha", 1, "out", "x");
    void coloured.log.output("beta", 1, "out", "y");
    await turn();
    const lines = coloured.text().trim().split("\n");
    // eslint-disable-next-line no-control-regex -- an ANSI colour code starts with ESC
    const code = (line: string | undefined) => /\u001b\[(\d+)m/.exec(line ?? "")?.[1];
    assert.ok(code(lines[0]) !== undefined && code(lines[0]) !== code(lines[1]), "different colours for different sites");
  });

  it("honours NO_COLOR and non-terminal output", () => {
    assert.equal(colorWanted({ isTTY: true }, { NO_COLOR: "1" }), false);
    assert.equal(colorWanted({ isTTY: false }, {}), false);
    assert.equal(colorWanted({ isTTY: true }, {}), true);
  });

  it("emits one JSON object per line in json format", async () => {
    const { log, text } = capture("json", false);
    void log.output("alpha", 1, "err", "oops");
    void log.output("alpha", 1, "err", "again");
    await turn();
    const [record, second] = text()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(second?.["message"], "again");
    if (record === undefined) throw new Error("no record");
    assert.equal(record["site"], "alpha");
    assert.equal(record["proc"], 1);
    assert.equal(record["stream"], "err");
    assert.equal(record["message"], "oops");
    assert.ok(typeof record["timestamp"] === "string");
  });

  it("keeps a bounded window of recent lines per site and feeds followers", () => {
    const { log } = capture("pretty", false);
    const followed: string[] = [];
    log.recent.follow("alpha", (line) => followed.push(line.line));
    for (let i = 0; i < 1500; i++) void log.output("alpha", 1, "out", `line ${i}`);
    const last = log.recent.last("alpha", 5000);
    assert.equal(last.length, 1000);
    assert.equal(last[0]?.line, "line 500");
    assert.equal(last.at(-1)?.line, "line 1499");
    assert.equal(followed.length, 1500);
  });
});
