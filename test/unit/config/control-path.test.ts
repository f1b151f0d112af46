import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { quickControlPath } from "../../../src/config/control-path.js";
import { controlSocketOf } from "../../../src/config/load.js";
import { tempProject } from "./helpers.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

/** The full reader's answer (yaml, validation, its fallback to the bare tree). */
async function full(file: string): Promise<string | undefined> {
  const found = await controlSocketOf(file);
  return found.ok ? found.path : undefined;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name.startsWith(".")) return [];
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return name.endsWith(".yaml") || name.endsWith(".yml") ? [path] : [];
  });
}

test("the quick read agrees with the config loader on every YAML file in the repository it can read", async () => {
  const files = ["config", "examples", "test"].flatMap((dir) => {
    try {
      return yamlFiles(join(REPO, dir));
    } catch {
      return [];
    }
  });
  let answered = 0;
  for (const file of files) {
    const quick = quickControlPath(file, readFileSync(file, "utf8"));
    if (quick === undefined) continue;
    answered += 1;
    // Where YAML itself fails (a duplicate site, say) the loader names no socket; the quick read
    // still does, so a control command reaches the supervisor started before the bad edit.
    const loaded = await full(file);
    if (loaded !== undefined) assert.equal(quick, loaded, relative(REPO, file));
  }
  // Most configs are the plain form: the quick read must actually answer for them.
  assert.ok(answered >= files.length / 2, `answered ${answered} of ${files.length}`);
});

const SITES = "sites:\n  web:\n    command: [python3, app.py]\n";

/** Texts the quick read answers, and the relative path it must resolve. */
const PLAIN_FORMS: readonly (readonly [string, string])[] = [
  [`version: 1\n${SITES}`, ".tsgi/control.sock"],
  [`version: 1\nsupervisor:\n  control: run/ctl.sock\n${SITES}`, "run/ctl.sock"],
  [`version: 1\nsupervisor:   # the supervisor\n    logs: ./logs\n    control: "./a b.sock"  # quoted\n${SITES}`, "a b.sock"],
  [`version: 1\r\nsupervisor:\r\n  control: 'c.sock'\r\n${SITES}`, "c.sock"],
  [`supervisor:\n  control: run/x:y.sock   # a comment\n${SITES}version: 1\n`, "run/x:y.sock"],
  [`\uFEFFversion: 1\nsupervisor:\n  http:\n    control: nested-is-not-it\n    listen: 9900\n  control: ~/x.sock\n${SITES}`, "~/x.sock"],
  [`version: 1\nsupervisor:\n  control: ./ctl.sock\n\n  # a comment\n  logs: |\n    control: not-this\n${SITES}`, "ctl.sock"],
  [`version: 1\nsupervisor: {control: flow.sock}\n${SITES}`, "flow.sock"],
  [`version: 1\nsupervisor: { logs: false }   # quiet\n${SITES}`, ".tsgi/control.sock"],
  [`version: 1\nsupervisor: {logs: ./logs, control: ./c.sock, logKeep: 3}\n${SITES}`, "c.sock"],
  [`version: 1\nsupervisor: {}\n${SITES}`, ".tsgi/control.sock"],
  [`# top comment\nsites:\n  web:\n    command: [python3, app.py]\n    control: a-site-key\nversion: 1\n`, ".tsgi/control.sock"],
];

test("the plain forms are read, and agree with the config loader", async () => {
  for (const [text, expected] of PLAIN_FORMS) {
    const dir = tempProject({ "sites.yaml": text });
    const file = join(dir, "sites.yaml");
    const quick = quickControlPath(file, text);
    assert.equal(quick, join(dir, expected), JSON.stringify(text));
    assert.equal(quick, await full(file), JSON.stringify(text));
  }
});

/** Texts where only the YAML reader can tell: the quick read must say it does not know. */
const UNSURE: readonly string[] = [
  `supervisor: {control: "q.sock"}\n${SITES}`,
  `supervisor: {control: a.sock, control: b.sock}\n${SITES}`,
  `supervisor: {control: a.sock,\n  logs: false}\n${SITES}`,
  `supervisor: {logs: false}\n  control: a.sock\n${SITES}`,
  `supervisor: {control: [a.sock]}\n${SITES}`,
  `supervisor: {control: {path: a.sock}}\n${SITES}`,
  `supervisor: {control:a.sock}\n${SITES}`,
  `supervisor: {control: 12}\n${SITES}`,
  `supervisor: {logs: a: b}\n${SITES}`,
  `supervisor: {logs: a:}\n${SITES}`,
  `supervisor: {control: }\n${SITES}`,
  `supervisor: {control: *sock}\n${SITES}`,
  `supervisor: {? control : a.sock}\n${SITES}`,
  `supervisor: {control: a.sock} trailing\n${SITES}`,
  `supervisor: {control: a.sock}\nsupervisor: {control: b.sock}\n${SITES}`,
  `supervisor: &base\n  control: a.sock\n${SITES}`,
  `supervisor:\n  <<: *base\n  control: a.sock\n${SITES}`,
  `supervisor:\n  control: *sock\n${SITES}`,
  `supervisor:\n  control: !!str a.sock\n${SITES}`,
  `supervisor:\n  control: "esc\\aped.sock"\n${SITES}`,
  `supervisor:\n  control: ./multi\n    line.sock\n${SITES}`,
  `supervisor:\n  control: ./multi\n\n    line.sock\n${SITES}`,
  `supervisor:\n  control: |\n    block.sock\n${SITES}`,
  `supervisor:\n  control:\n${SITES}`,
  `supervisor:\n  control: ""\n${SITES}`,
  `supervisor:\n  control: 1234\n${SITES}`,
  `supervisor:\n  control: .5\n${SITES}`,
  `supervisor:\n  control: null\n${SITES}`,
  `supervisor:\n  control: true\n${SITES}`,
  `supervisor:\n  control: ~\n${SITES}`,
  `supervisor:\n  control: yes\n${SITES}`,
  `supervisor:\n  control: ./a#b\n${SITES}`,
  `supervisor:\n  control: "a"#b\n${SITES}`,
  `supervisor:\n  control: 'it''s.sock'\n${SITES}`,
  `supervisor:\n  control: a: b\n${SITES}`,
  `supervisor:\n  control: a.sock\n  control: b.sock\n${SITES}`,
  `supervisor:\n  control: a.sock\nsupervisor:\n  control: b.sock\n${SITES}`,
  `supervisor:\n    logs: x\n  control: a.sock\n${SITES}`,
  `supervisor:\n\tcontrol: a.sock\n${SITES}`,
  `supervisor:\n  - control: a.sock\n${SITES}`,
  `supervisor:\n  ? control\n  : a.sock\n${SITES}`,
  `"supervisor":\n  control: a.sock\n${SITES}`,
  `---\nsupervisor:\n  control: a.sock\n${SITES}`,
  `%YAML 1.2\n---\nsupervisor:\n  control: a.sock\n${SITES}`,
  `{version: 1, supervisor: {control: a.sock}}\n`,
];

test("anything but the plain form is left to the YAML reader", () => {
  for (const text of UNSURE) assert.equal(quickControlPath("/srv/sites.yaml", text), undefined, JSON.stringify(text));
});
