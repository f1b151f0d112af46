import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RECENT_BYTES, RECENT_LINES, RecentLines } from "../../../src/logging/recent-lines.js";
import { OutputLines } from "../../../src/process/line-reader.js";

const chunk = (text: string): OutputLines => OutputLines.ofBytes(Buffer.from(text));

describe("the recent lines of a site", () => {
  it("keeps the last RECENT_LINES lines across chunks, oldest first", () => {
    const recent = new RecentLines();
    for (let i = 0; i < RECENT_LINES + 50; i += 10) {
      let text = "";
      for (let j = i; j < i + 10; j++) text += `line ${j}\n`;
      recent.addLines("alpha", 1, "out", chunk(text), 0);
    }
    const last = recent.last("alpha", 3).map((entry) => entry.line);
    assert.deepEqual(last, [`line ${RECENT_LINES + 47}`, `line ${RECENT_LINES + 48}`, `line ${RECENT_LINES + 49}`]);
    assert.equal(recent.last("alpha", RECENT_LINES * 2).length, RECENT_LINES);
  });

  it("stays within RECENT_BYTES (and one chunk) when the lines are huge, keeping the newest", () => {
    const recent = new RecentLines();
    const huge = "x".repeat(256 * 1024);
    for (let i = 0; i < 40; i++) recent.addLines("alpha", 1, "out", chunk(`${i} ${huge}\n`), 0);
    const kept = recent.last("alpha", RECENT_LINES);
    const bytes = kept.reduce((sum, entry) => sum + entry.line.length + 1, 0);
    assert.ok(bytes <= RECENT_BYTES + huge.length + 8, `${bytes} bytes kept`);
    assert.ok(kept.length < 40, `${kept.length} of 40 huge lines kept`);
    assert.equal(kept.at(-1)?.line.split(" ")[0], "39");
  });
});
