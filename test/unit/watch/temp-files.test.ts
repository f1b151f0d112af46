import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TempFiles } from "../../../src/watch/temp-files.js";

describe("editor temp files", () => {
  it("an add then unlink within the window is no change, and not named", () => {
    let now = 0;
    const temp = new TempFiles(2000, () => now);
    assert.equal(temp.accept("/s/app.ts.tmp", "add"), true);
    now += 30;
    assert.equal(temp.accept("/s/app.ts", "change"), true);
    now += 100;
    assert.equal(temp.accept("/s/app.ts.tmp", "unlink"), false);
    assert.deepEqual(
      temp.settle(["/s/app.ts.tmp", "/s/app.ts"], (f) => f === "/s/app.ts"),
      ["/s/app.ts"],
    );
  });

  it("a file deleted long after it appeared is a change", () => {
    let now = 0;
    const temp = new TempFiles(2000, () => now);
    temp.accept("/s/new.ts", "add");
    now += 5000;
    assert.equal(temp.accept("/s/new.ts", "unlink"), true);
    assert.deepEqual(
      temp.settle(["/s/new.ts"], () => false),
      ["/s/new.ts"],
    );
  });

  it("a new file that stays is a change", () => {
    const temp = new TempFiles();
    temp.accept("/s/new.ts", "add");
    assert.deepEqual(
      temp.settle(["/s/new.ts"], () => true),
      ["/s/new.ts"],
    );
  });
});
