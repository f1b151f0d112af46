import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { watchPlan } from "../../../src/watch/watch-plan.js";
import { resolvedSite } from "../../helpers/resolved-site.js";

describe("watch plan", () => {
  it("watches nothing unless watch: or --watch says so", () => {
    assert.equal(watchPlan({ site: resolvedSite(), watchAll: false, ownFolders: [] }), undefined);
    assert.equal(watchPlan({ site: resolvedSite({ watch: false }), watchAll: true, ownFolders: [] }), undefined);
  });

  it("--watch watches the site's cwd", () => {
    const plan = watchPlan({ site: resolvedSite(), watchAll: true, ownFolders: [] });
    assert.deepEqual(plan?.roots, ["/srv/alpha"]);
    assert.equal(plan?.matches("/srv/alpha/server.mjs"), true);
    assert.equal(plan?.matches("/srv/other/server.mjs"), false);
  });

  it("always ignores node_modules, .git, bytecode, virtualenvs and editor files", () => {
    const plan = watchPlan({ site: resolvedSite({ watch: true }), watchAll: false, ownFolders: [] });
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
      ownFolders: ["/srv/alpha/.tsgi/logs"],
    });
    assert.equal(plan?.matches("/srv/alpha/tmp/x.ts"), false);
    assert.equal(plan?.matches("/srv/alpha/db.sqlite3"), false);
    assert.equal(plan?.matches("/srv/alpha/node_modules/x.js"), false);
    assert.equal(plan?.matches("/srv/alpha/.tsgi/logs/alpha.log"), false);
    assert.equal(plan?.matches("/srv/alpha/src/app.ts"), true);
  });

  it("watches a glob through its base folder and filters by it", () => {
    const plan = watchPlan({ site: resolvedSite({ watch: ["src/**/*.ts"] }), watchAll: false, ownFolders: [] });
    assert.deepEqual(plan?.roots, ["/srv/alpha/src"]);
    assert.equal(plan?.matches("/srv/alpha/src/deep/app.ts"), true);
    assert.equal(plan?.matches("/srv/alpha/src/deep/app.css"), false);
  });
});
