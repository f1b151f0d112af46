import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TempFiles, tempSiblingOf, type FileKind } from "../../../src/watch/temp-files.js";

/** A disk holding these files (and these directories). */
const disk =
  (files: readonly string[], dirs: readonly string[] = []) =>
  (file: string): FileKind =>
    files.includes(file) ? "file" : dirs.includes(file) ? "other" : undefined;

describe("editor temp files", () => {
  it("an add then unlink within the window is no change, and not named", () => {
    let now = 0;
    const temp = new TempFiles(2000, () => now);
    assert.equal(temp.accept("/s/app.ts.tmp", "add"), true);
    now += 30;
    assert.equal(temp.accept("/s/app.ts", "change"), true);
    now += 100;
    assert.equal(temp.accept("/s/app.ts.tmp", "unlink"), false);
    assert.deepEqual(temp.settle(["/s/app.ts.tmp", "/s/app.ts"], disk(["/s/app.ts"])), { changed: ["/s/app.ts"], held: [] });
  });

  it("a file deleted long after it appeared is a change", () => {
    let now = 0;
    const temp = new TempFiles(2000, () => now);
    temp.accept("/s/new.ts", "add");
    now += 5000;
    assert.equal(temp.accept("/s/new.ts", "unlink"), true);
    assert.deepEqual(temp.settle(["/s/new.ts"], disk([])), { changed: ["/s/new.ts"], held: [] });
  });

  it("a new file that stays is a change", () => {
    const temp = new TempFiles();
    temp.accept("/s/new.ts", "add");
    assert.deepEqual(temp.settle(["/s/new.ts"], disk(["/s/new.ts"])), { changed: ["/s/new.ts"], held: [] });
  });

  it("a temp file still on disk when its batch settles is held; after the rename only the real file is named", () => {
    let now = 0;
    const temp = new TempFiles(2000, () => now);
    temp.accept("/s/app.ts.tmp-slow", "add");
    now += 100;
    // The editor's fsync outlasts the debounce: the temp file alone, beside the real one.
    assert.deepEqual(temp.settle(["/s/app.ts.tmp-slow"], disk(["/s/app.ts", "/s/app.ts.tmp-slow"])), {
      changed: [],
      held: ["/s/app.ts.tmp-slow"],
    });
    now += 200;
    assert.equal(temp.accept("/s/app.ts.tmp-slow", "unlink"), false);
    assert.equal(temp.accept("/s/app.ts", "change"), true);
    now += 100;
    assert.deepEqual(temp.settle(["/s/app.ts.tmp-slow", "/s/app.ts"], disk(["/s/app.ts"])), { changed: ["/s/app.ts"], held: [] });
  });

  it("a temp-named file held past the window is a change", () => {
    let now = 0;
    const temp = new TempFiles(2000, () => now);
    temp.accept("/s/app.ts___jb_tmp___", "add");
    const files = disk(["/s/app.ts", "/s/app.ts___jb_tmp___"]);
    now += 1900;
    assert.deepEqual(temp.settle(["/s/app.ts___jb_tmp___"], files).held, ["/s/app.ts___jb_tmp___"]);
    now += 200;
    assert.deepEqual(temp.settle(["/s/app.ts___jb_tmp___"], files), { changed: ["/s/app.ts___jb_tmp___"], held: [] });
  });

  it("with another change in its batch a temp-named file goes with it (a build's app.js.map beside app.js)", () => {
    const temp = new TempFiles();
    temp.accept("/s/app.js.map", "add");
    temp.accept("/s/app.js", "change");
    assert.deepEqual(temp.settle(["/s/app.js", "/s/app.js.map"], disk(["/s/app.js", "/s/app.js.map"])), {
      changed: ["/s/app.js", "/s/app.js.map"],
      held: [],
    });
  });

  it("a new module beside a folder of its name's first part is not a temp file", () => {
    const temp = new TempFiles();
    temp.accept("/s/utils.ts", "add");
    assert.deepEqual(temp.settle(["/s/utils.ts"], disk(["/s/utils.ts"], ["/s/utils"])), { changed: ["/s/utils.ts"], held: [] });
  });

  it("tempSiblingOf: the longest existing file the name extends after a separator", () => {
    const files = disk(["/s/app.ts", "/s/app"]);
    assert.equal(tempSiblingOf("/s/app.ts.tmp-1234", files), "/s/app.ts");
    assert.equal(tempSiblingOf("/s/app.ts~", files), "/s/app.ts");
    assert.equal(tempSiblingOf("/s/app.ts___jb_tmp___", files), "/s/app.ts");
    assert.equal(tempSiblingOf("/s/app.test.ts", disk(["/s/app.ts"])), undefined);
    assert.equal(tempSiblingOf("/s/other.ts.tmp", files), undefined);
    // Never the folder: a dot-file's own name is not a separator away from it.
    assert.equal(tempSiblingOf("/s/.app", disk(["/s"])), undefined);
  });
});
