/**
 * Every generated unit passes `systemd-analyze verify` (Debian package `systemd`), on the
 * fixture and on the bundled example. Verify exits 0 even on a key it does not know, so its
 * stderr is checked too: empty when the export targets this machine's systemd, which is what
 * it does by default.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { exportCommand } from "../../src/cli/export.js";
import { capture, EXAMPLE, exampleProblem, FIXTURE } from "./helpers.js";

const run = promisify(execFile);

async function systemdVersion(): Promise<number | undefined> {
  try {
    const { stdout } = await run("systemd-analyze", ["--version"]);
    return Number(/systemd (\d+)/.exec(stdout)?.[1]);
  } catch {
    return undefined;
  }
}

const version = await systemdVersion();
const noSystemd = version === undefined ? "systemd-analyze is not installed (Debian package `systemd`)" : false;

async function exportTo(file: string, dir: string, extra: readonly string[] = []): Promise<string[]> {
  const out = capture();
  const err = capture();
  const code = await exportCommand("systemd", file, ["--out", dir, ...extra], { out: out.stream, err: err.stream });
  assert.equal(code, 0, err.text());
  return (await readdir(dir)).map((name) => path.join(dir, name)).sort();
}

async function verify(files: readonly string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run("systemd-analyze", ["verify", ...files]);
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? 1, stderr: failed.stderr ?? String(error) };
  }
}

describe("export systemd: systemd-analyze verify", { skip: noSystemd }, () => {
  let tmp = "";
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "tsgi-export-systemd-"));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("passes cleanly when the export targets this machine's systemd", async () => {
    const files = await exportTo(FIXTURE, path.join(tmp, "fixture-local"), ["--systemd-version", String(version)]);
    assert.deepEqual(
      files.map((f) => path.basename(f)),
      [
        "tsgi-api.service",
        "tsgi-api.socket",
        "tsgi-jobs.service",
        "tsgi-legacy_web.service",
        "tsgi-legacy_web.socket",
        "tsgi-shop.socket",
        "tsgi-shop@.service",
        "tsgi.target",
      ],
    );
    const result = await verify(files);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "", "a unit for this systemd should verify without a single warning");
  });

  it("by default targets this host's systemd: not one Unknown key line", async () => {
    const files = await exportTo(FIXTURE, path.join(tmp, "fixture-default"));
    const result = await verify(files);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /Unknown key/);
  });

  it("fails verify when a program does not exist (the check is real)", async () => {
    const dir = path.join(tmp, "broken");
    const files = await exportTo(FIXTURE, dir, ["--systemd-version", String(version), "--only", "jobs"]);
    const service = files.find((f) => f.endsWith("tsgi-jobs.service")) ?? "";
    await writeFile(service, (await readFile(service, "utf8")).replace("ExecStart=/usr/bin/python3", "ExecStart=/nonexistent/python3"));
    const result = await verify(files);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /nonexistent/);
  });

  it("passes on the bundled example config", async (t) => {
    const problem = await exampleProblem();
    if (problem !== undefined) {
      t.skip(problem);
      return;
    }
    const files = await exportTo(EXAMPLE, path.join(tmp, "example"), ["--systemd-version", String(version)]);
    const result = await verify(files);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
  });
});
