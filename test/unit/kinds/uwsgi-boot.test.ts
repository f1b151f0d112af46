/**
 * How a `wsgiServer: uwsgi` site's command line is built: HTTP on fd 3 without LISTEN_FDS, the
 * stop signal's number in the graceful-shutdown hook, threads and stopTimeout carried over, a
 * virtualenv as `--home`, and the exported form (no launcher, `--module`, a bind in a pod).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfigText } from "../../../src/config/load.js";
import { launchPlan } from "../../../src/kinds/launch.js";
import { UWSGI_APP_BOOT, UWSGI_LAUNCH, uwsgiArgs, uwsgiExportArgv, virtualenvOf } from "../../../src/kinds/uwsgi-boot.js";
import { resolvedSite } from "../../../kit/resolved-site.js";

const KIND = {
  type: "wsgi",
  target: "shop.wsgi:application",
  python: "/srv/venv/bin/python",
  threads: 4,
  server: "uwsgi",
  middleware: ["shop.mw.Wrap"],
} as const;
const SITE = resolvedSite({ name: "shop", kind: KIND, stopSignal: "SIGHUP", stopTimeoutMs: 12_500 });

function after(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

describe("uwsgi command line", () => {
  it("one master, one worker with the site's threads, HTTP on fd 3, the stop hook on the stop signal", () => {
    const args = uwsgiArgs(SITE, KIND, undefined);
    assert.equal(after(args, "--http-socket"), "fd://3");
    assert.equal(after(args, "--processes"), "1");
    assert.equal(after(args, "--threads"), "4");
    assert.equal(after(args, "--hook-master-start"), "unix_signal:1 gracefully_kill_them_all");
    assert.equal(after(args, "--worker-reload-mercy"), "13");
    assert.equal(after(args, "--eval"), UWSGI_APP_BOOT);
    assert.ok(args.includes("--need-app") && args.includes("--master") && !args.includes("--home"));
    const other = uwsgiArgs({ ...SITE, stopSignal: "SIGINT" }, KIND, "/srv/venv");
    assert.equal(after(other, "--hook-master-start"), "unix_signal:2 gracefully_kill_them_all");
    assert.equal(after(other, "--home"), "/srv/venv");
  });

  it("a virtualenv is the folder of pyvenv.cfg above bin/python; a bare command name is none", () => {
    assert.equal(
      virtualenvOf("/srv/venv/bin/python", (file) => file === "/srv/venv/pyvenv.cfg"),
      "/srv/venv",
    );
    assert.equal(
      virtualenvOf("/usr/bin/python3", () => false),
      undefined,
    );
    assert.equal(
      virtualenvOf("python3", () => true),
      undefined,
    );
  });

  it("the launch plan: the site's interpreter runs the launcher, which execs uwsgi; the target in the environment", () => {
    const plan = launchPlan(SITE);
    assert.equal(plan.file, "/srv/venv/bin/python");
    assert.deepEqual(plan.args.slice(0, 3), ["-c", UWSGI_LAUNCH, "uwsgi"]);
    assert.equal(plan.env["TSGI_WSGI_TARGET"], "shop.wsgi:application");
    assert.equal(plan.env["TSGI_PY_MIDDLEWARE"], JSON.stringify(["shop.mw.Wrap"]));
    assert.ok(plan.display.includes("<tsgi uwsgi app boot>") && !plan.display.includes(UWSGI_APP_BOOT));
  });

  it("exported: uWSGI itself without LISTEN_FDS, --module instead of tsgi's boot, a bind in a pod", () => {
    const unit = uwsgiExportArgv(SITE, KIND, undefined);
    assert.deepEqual(unit.slice(0, 6), ["env", "-u", "LISTEN_FDS", "-u", "LISTEN_PID", "uwsgi"]);
    assert.equal(after(unit, "--module"), "shop.wsgi:application");
    assert.ok(!unit.includes("--eval") && !unit.includes(UWSGI_APP_BOOT));
    assert.equal(after(uwsgiExportArgv(SITE, KIND, "0.0.0.0:8000"), "--http-socket"), "0.0.0.0:8000");
  });

  it("a uwsgi site stops with SIGHUP unless it says otherwise; gunicorn sites keep SIGTERM", () => {
    const text = (extra: string) =>
      `version: 1\nsites:\n  a: {wsgi: a.wsgi:app, listen: 9400, wsgiServer: uwsgi${extra}}\n  b: {wsgi: b.wsgi:app, listen: 9401}\n`;
    const plain = loadConfigText(text(""), "/tmp/sites.yaml", { env: {} });
    assert.ok(plain.ok);
    assert.deepEqual(
      plain.config.sites.map((s) => s.stopSignal),
      ["SIGHUP", "SIGTERM"],
    );
    const own = loadConfigText(text(", stopSignal: SIGINT"), "/tmp/sites.yaml", { env: {} });
    assert.ok(own.ok);
    assert.equal(own.config.sites[0]?.stopSignal, "SIGINT");
  });
});
