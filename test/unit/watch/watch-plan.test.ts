import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { watchPlan } from "../../../src/watch/watch-plan.js";
import { resolvedSite } from "../../../kit/resolved-site.js";

describe("watch plan", () => {
  it("watches nothing unless watch: or --watch says so", () => {
    assert.equal(watchPlan({ site: resolvedSite(), watchAll: false, ownPaths: [] }), undefined);
    assert.equal(watchPlan({ site: resolvedSite({ watch: false }), watchAll: true, ownPaths: [] }), undefined);
  });

  it("--watch watches the site's cwd", () => {
    const plan = watchPlan({ site: resolvedSite(), watchAll: true, ownPaths: [] });
    assert.deepEqual(plan?.roots, ["/srv/alpha"]);
    assert.equal(plan.matches("/srv/alpha/server.mjs"), true);
    assert.equal(plan.matches("/srv/other/server.mjs"), false);
  });

  it("always ignores node_modules, .git, bytecode, virtualenvs and editor files", () => {
    const plan = watchPlan({ site: resolvedSite({ watch: true }), watchAll: false, ownPaths: [] });
    for (const file of [
      "/srv/alpha/node_modules/x/index.js",
      "/srv/alpha/.git/HEAD",
      "/srv/alpha/app/__pycache__/views.cpython-311.pyc",
      "/srv/alpha/app/views.pyc",
      "/srv/alpha/.venv/lib/site.py",
      "/srv/alpha/src/.app.ts.swp",
      "/srv/alpha/src/app.ts~",
      "/srv/alpha/src/.#app.ts",
      "/srv/alpha/src/4913",
    ]) {
      assert.equal(plan?.matches(file), false, file);
    }
  });

  it("merges user ignores with the defaults and skips the supervisor's own folders", () => {
    const plan = watchPlan({
      site: resolvedSite({ watch: true, watchIgnore: ["tmp", "*.sqlite3"] }),
      watchAll: false,
      ownPaths: ["/srv/alpha/var/logs", "/srv/alpha/run/control.sock", "/srv/alpha/sites.yaml"],
    });
    assert.equal(plan?.matches("/srv/alpha/tmp/x.ts"), false);
    assert.equal(plan.matches("/srv/alpha/db.sqlite3"), false);
    assert.equal(plan.matches("/srv/alpha/node_modules/x.js"), false);
    assert.equal(plan.matches("/srv/alpha/.tsgi/logs/alpha.log"), false);
    assert.equal(plan.ignored("/srv/alpha/var/logs"), true, "the log folder is not even descended into");
    assert.equal(plan.matches("/srv/alpha/var/logs/alpha1.log.gz"), false);
    assert.equal(plan.matches("/srv/alpha/run/control.sock"), false);
    assert.equal(plan.matches("/srv/alpha/sites.yaml"), false);
    assert.equal(plan.matches("/srv/alpha/run/pid.ts"), true);
    assert.equal(plan.matches("/srv/alpha/src/app.ts"), true);
  });

  it("watches a glob through its base folder and filters by it", () => {
    const plan = watchPlan({ site: resolvedSite({ watch: ["src/**/*.ts"] }), watchAll: false, ownPaths: [] });
    assert.deepEqual(plan?.roots, ["/srv/alpha/src"]);
    assert.equal(plan.matches("/srv/alpha/src/deep/app.ts"), true);
    assert.equal(plan.matches("/srv/alpha/src/deep/app.css"), false);
  });

  it("a log folder that holds the site itself is not ignored whole (only its log files)", () => {
    const plan = watchPlan({ site: resolvedSite({ watch: true }), watchAll: false, ownPaths: ["/srv"] });
    assert.equal(plan?.matches("/srv/alpha/app.ts"), true);
    assert.equal(plan.matches("/srv/alpha/alpha.log"), false);
  });

  it("does not descend into ignored folders at all", () => {
    const plan = watchPlan({ site: resolvedSite({ watch: true }), watchAll: false, ownPaths: [] });
    for (const folder of [
      "/srv/alpha/node_modules",
      "/srv/alpha/.git",
      "/srv/alpha/.venv",
      "/srv/alpha/pkg/__pycache__",
      "/srv/alpha/.tsgi",
    ]) {
      assert.equal(plan?.ignored(folder), true, folder);
    }
    assert.equal(plan?.ignored("/srv/alpha/src"), false);
  });
});

describe("watch plan of a site that lives under an ignored-looking folder", () => {
  it("still watches a site whose cwd is under .tsgi/ or venv/, and still ignores inside it", () => {
    for (const cwd of ["/srv/x/.tsgi/django-demo/shop", "/srv/venv/app"]) {
      const plan = watchPlan({ site: resolvedSite({ cwd, watch: true }), watchAll: false, ownPaths: [] });
      assert.equal(plan?.matches(`${cwd}/shop/views.py`), true, cwd);
      assert.equal(plan.matches(`${cwd}/node_modules/x.js`), false, cwd);
      assert.equal(plan.matches(`${cwd}/shop/__pycache__/views.cpython-311.pyc`), false, cwd);
    }
  });
});
