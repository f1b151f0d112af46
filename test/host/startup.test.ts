/**
 * `startup` writes the supervisor's own unit, which `systemd-analyze verify` accepts without a
 * single warning, for the system and for --user; bad input is a clear error.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { runCli, tempDir } from "../../kit/supervisor.js";

const run = promisify(execFile);
const hasAnalyze = await run("systemd-analyze", ["--version"]).then(
  () => true,
  () => false,
);

async function verify(file: string, user: boolean): Promise<string> {
  // The user manager's verify needs a runtime folder; a test run may have none.
  const runtime = path.join(path.dirname(file), "runtime");
  fs.mkdirSync(runtime, { mode: 0o700, recursive: true });
  const { stderr } = await run("systemd-analyze", [...(user ? ["--user"] : []), "verify", file], {
    env: { ...process.env, XDG_RUNTIME_DIR: runtime },
  });
  return stderr;
}

describe("startup", { skip: hasAnalyze ? false : "systemd-analyze is not installed (Debian package systemd)" }, () => {
  for (const user of [false, true]) {
    it(`writes tsgi.service${user ? " for --user" : ""} that verifies cleanly, and says how to enable it`, async () => {
      const dir = tempDir();
      const sites = path.join(dir, "sites.yaml");
      fs.writeFileSync(sites, `version: 1\nsites:\n  web:\n    command: [sleep, "300"]\n    stopTimeout: 20s\n`);
      const out = path.join(dir, "units");
      const result = await runCli(["startup", sites, "--out", out, ...(user ? ["--user"] : [])], { cwd: dir });
      assert.equal(result.code, 0, result.stderr);
      const unit = path.join(out, "tsgi.service");
      const text = fs.readFileSync(unit, "utf8");
      for (const line of [
        "Type=notify",
        `ExecStart=${process.execPath} ${path.resolve("bin/tsgi-supervise.js")} run ${sites}`,
        "ExecReload=/bin/kill -HUP $MAINPID",
        "KillMode=mixed",
        "Delegate=yes",
        "Restart=on-failure",
        "TimeoutStopSec=25s",
        `WantedBy=${user ? "default.target" : "multi-user.target"}`,
      ]) {
        assert.ok(text.split("\n").includes(line), `${line} in:\n${text}`);
      }
      const systemctl = user ? "systemctl --user" : "systemctl";
      assert.match(result.stdout, new RegExp(`${systemctl} daemon-reload\\n  ${systemctl} enable --now ${unit.replace(/[.]/g, "\\.")}`));
      assert.equal(await verify(unit, user), "");
    });
  }

  it("refuses a bad sites.yaml with its error and exit 2", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "sites.yaml"), "version: 1\nsites:\n  web:\n    comand: [sleep]\n");
    const result = await runCli(["startup", "sites.yaml", "--out", dir], { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /sites\.yaml:4:5: .*unknown key `comand`/);
    assert.equal(fs.existsSync(path.join(dir, "tsgi.service")), false);
  });
});
