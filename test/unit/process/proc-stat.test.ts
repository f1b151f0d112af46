import assert from "node:assert/strict";
import { test } from "node:test";
import { isAlive, parseStat, processStartTime, readStat, scanStats } from "../../../src/process/proc-stat.js";

// Fields 1–22 of a real line, with a command name that holds spaces and parentheses.
const LINE = "4242 (my (odd) name) S 17 4242 4242 0 -1 4194560 300 0 0 0 12 5 3 2 20 0 1 0 987654 1000 100";

test("parseStat counts fields from the last parenthesis, so a command name with spaces and ')' cannot shift them", () => {
  assert.deepEqual(parseStat(LINE), {
    pid: 4242,
    state: "S",
    ppid: 17,
    pgid: 4242,
    sid: 4242,
    utime: 12,
    stime: 5,
    cutime: 3,
    cstime: 2,
    startTime: "987654",
  });
});

test("parseStat refuses what is not a stat line", () => {
  for (const bad of ["", "4242", "4242 (name) S 1 2 3"]) assert.equal(parseStat(bad), undefined, JSON.stringify(bad));
});

test("readStat and scanStats read this very process", () => {
  const self = readStat(process.pid);
  assert.equal(self?.pid, process.pid);
  assert.equal(self.ppid, process.ppid);
  assert.equal(processStartTime(process.pid), self.startTime);
  assert.ok(isAlive(process.pid));
  assert.ok(scanStats().some((stat) => stat.pid === process.pid && stat.startTime === self.startTime));
});

test("a pid that does not exist has no stat and is not alive", () => {
  // Above the kernel's pid_max limit (2^22), so no process can have it.
  assert.equal(readStat(2 ** 22 + 1), undefined);
  assert.equal(isAlive(2 ** 22 + 1), false);
});
