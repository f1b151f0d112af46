import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDuration, parseSize } from "../../../src/config/units.js";
import { didYouMean, editDistance, suggest } from "../../../src/config/suggest.js";
import { splitCommand } from "../../../src/config/split-command.js";
import { listenConflicts, parseListen } from "../../../src/config/listen.js";
import { normaliseSignal } from "../../../src/config/signals.js";

test("durations", () => {
  const ok: [string | number, number][] = [
    ["250ms", 250],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1.5s", 1500],
    ["1m30s", 90_000],
    ["0", 0],
    [0, 0],
  ];
  for (const [input, ms] of ok) assert.deepEqual(parseDuration(input), { ok: true, value: ms }, String(input));
  for (const bad of [30, "30", "30 s", "5 minutes", "-1s", "1d", "s", "", "1.s", "30S"]) {
    assert.equal(parseDuration(bad).ok, false, String(bad));
  }
  const bare = parseDuration(30);
  assert.ok(!bare.ok && bare.hint.includes("`30ms` or `30s`"));
});

test("sizes, in powers of 1024", () => {
  const ok: [string, number][] = [
    ["100KB", 100 * 1024],
    ["512MB", 512 * 1024 ** 2],
    ["1GB", 1024 ** 3],
    ["1.5G", 1.5 * 1024 ** 3],
    ["64MiB", 64 * 1024 ** 2],
    ["512mb", 512 * 1024 ** 2],
    ["2048B", 2048],
    ["10 MB", 10 * 1024 ** 2],
  ];
  for (const [input, bytes] of ok) assert.deepEqual(parseSize(input), { ok: true, value: bytes }, input);
  for (const bad of ["512", "512XB", "MB", "-1MB", "0MB", "1 GB extra"]) assert.equal(parseSize(bad).ok, false, bad);
});

test("did you mean", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("proecsses", "processes"), 1, "an adjacent swap is one edit");
  const keys = ["command", "processes", "restart", "ready", "stopSignal", "envFile", "listen"];
  assert.equal(suggest("comand", keys), "command");
  assert.equal(suggest("proceses", keys), "processes");
  assert.equal(suggest("stop_signal", keys), "stopSignal");
  assert.equal(suggest("env-file", keys), "envFile");
  assert.equal(suggest("Listen", keys), "listen");
  assert.equal(suggest("redy", keys), "ready");
  assert.equal(suggest("banana", keys), undefined);
  assert.equal(suggest("rd", keys), undefined);
  assert.equal(didYouMean("comand", keys), "did you mean `command`?");
});

test("command strings split like a shell", () => {
  const ok: [string, string[]][] = [
    ["python3 -m worker", ["python3", "-m", "worker"]],
    [`python3 -c 'print("hi")'`, ["python3", "-c", 'print("hi")']],
    [`echo "a b" c\\ d`, ["echo", "a b", "c d"]],
    [`echo "say \\"x\\""`, ["echo", 'say "x"']],
    [`echo '$HOME' \\$HOME`, ["echo", "$HOME", "$HOME"]],
    ["  spaced   out  ", ["spaced", "out"]],
    ["node --max-old-space-size=512 server.js", ["node", "--max-old-space-size=512", "server.js"]],
  ];
  for (const [input, argv] of ok) assert.deepEqual(splitCommand(input), { ok: true, argv }, input);
  const refused: [string, RegExp][] = [
    ["a | b", /operator `\|`/],
    ["a && b", /operator `&&`/],
    ["a; b", /operator `;`/],
    ["a > log", /operator `>`/],
    ["a &", /operator `&`/],
    ["ls *.py", /glob/],
    ["echo $HOME", /expansion/],
    [`echo "$HOME"`, /expansion/],
    ["echo $(date)", /expansion/],
    ["echo `date`", /backtick/],
    ["echo 'open", /unclosed single quote/],
    [`echo "open`, /unclosed double quote/],
    ["FOO=1 python3 app.py", /assignment/],
    ["cat ~/file", /~/],
    ["run # note", /comment/],
    ["   ", /empty/],
  ];
  for (const [input, message] of refused) {
    const result = splitCommand(input);
    assert.equal(result.ok, false, input);
    assert.match(result.message, message, input);
  }
  const operator = splitCommand("a | b");
  assert.ok(!operator.ok && operator.hint.includes("[sh, -c"));
});

test("listen addresses", () => {
  assert.deepEqual(parseListen(8001), { ok: true, value: { type: "tcp", host: "127.0.0.1", port: 8001 } });
  assert.deepEqual(parseListen("8001"), { ok: true, value: { type: "tcp", host: "127.0.0.1", port: 8001 } });
  assert.deepEqual(parseListen("0.0.0.0:80"), { ok: true, value: { type: "tcp", host: "0.0.0.0", port: 80 } });
  assert.deepEqual(parseListen("[::1]:8001"), { ok: true, value: { type: "tcp", host: "::1", port: 8001 } });
  assert.deepEqual(parseListen("web.internal:8001"), { ok: true, value: { type: "tcp", host: "web.internal", port: 8001 } });
  assert.deepEqual(parseListen("unix:run/a.sock"), { ok: true, value: { type: "unix", path: "run/a.sock" } });
  for (const bad of ["0", "65536", "localhost", "1.2.3:80", "*:80", "::1:80", "[zz]:80", "unix:", "host:port", "a b:80", "127.0.0.1:"]) {
    assert.equal(parseListen(bad).ok, false, bad);
  }
  const tcp = (host: string, port: number) => ({ type: "tcp" as const, host, port });
  assert.equal(listenConflicts(tcp("127.0.0.1", 80), tcp("localhost", 80)), true);
  assert.equal(listenConflicts(tcp("0.0.0.0", 80), tcp("10.0.0.1", 80)), true);
  assert.equal(listenConflicts(tcp("127.0.0.1", 80), tcp("127.0.0.2", 80)), false);
  assert.equal(listenConflicts(tcp("127.0.0.1", 80), tcp("127.0.0.1", 81)), false);
  assert.equal(listenConflicts({ type: "unix", path: "/a" }, { type: "unix", path: "/a" }), true);
  assert.equal(listenConflicts({ type: "unix", path: "/a" }, tcp("127.0.0.1", 80)), false);
});

test("signals: TERM or SIGTERM, normalised", () => {
  assert.equal(normaliseSignal("TERM"), "SIGTERM");
  assert.equal(normaliseSignal("SIGQUIT"), "SIGQUIT");
  assert.equal(normaliseSignal("SIGWINCH"), "SIGWINCH");
  assert.equal(normaliseSignal("term"), undefined);
  assert.equal(normaliseSignal("SIGFOO"), undefined);
});
