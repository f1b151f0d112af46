/**
 * schema.ts is the single source: the JSON Schema and the docs are generated from it (and must
 * be up to date on disk), and the validator accepts exactly its keys.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { DEFAULTS_KEYS, SITE_KEYS, SUPERVISOR_KEYS, TOP_KEYS, type KeyTable, type SiteKey } from "../../../src/config/schema.js";
import { loadErrors, loadOk } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

// Run as a program, not imported: no test imports a script (npm run lint checks).
test("schema/sites.schema.json, docs/sites-yaml.md and the README's reference are what gen-schema generates", () => {
  const check = spawnSync(process.execPath, ["--import", "tsx", "scripts/gen-schema.ts", "--check"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(check.status, 0, `${check.stderr}${check.error?.message ?? ""}`);
});

type Json = { [key: string]: unknown };
// On disk, and up to date (the test above).
const schema = JSON.parse(readFileSync(`${ROOT}schema/sites.schema.json`, "utf8")) as Json;
const props = (node: unknown): string[] => Object.keys((node as Json).properties ?? {}).sort();
const defs = schema.$defs as Json;
const keysOf = (table: KeyTable) => Object.keys(table).sort();

test("the JSON Schema has exactly the keys of the table, at every level", () => {
  assert.deepEqual(props(schema), keysOf(TOP_KEYS));
  assert.deepEqual(props((schema.properties as Json).supervisor), keysOf(SUPERVISOR_KEYS));
  assert.deepEqual(props(defs.site), keysOf(SITE_KEYS));
  assert.deepEqual(props(defs.defaults), keysOf(DEFAULTS_KEYS));
  const site = (defs.site as Json).properties as Json;
  assert.deepEqual(props(site.backoff), ["initial", "max"]);
  assert.deepEqual(props(site.maxRestarts), ["count", "within"]);
  assert.deepEqual(props(site.ready), ["delay", "http", "log"]);
  for (const node of [schema, (schema.properties as Json).supervisor, defs.site, defs.defaults, site.backoff, site.ready]) {
    assert.equal((node as Json).additionalProperties, false);
  }
  assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert.deepEqual((site.restart as Json).enum, ["always", "on-failure", "never"]);
  for (const [key, value] of Object.entries(site)) assert.ok(typeof (value as Json).description === "string", key);
});

/** A valid value for every site key, and the kind of site it fits. Exhaustive by type. */
const SAMPLES: Record<SiteKey, readonly [kind: "command" | "wsgi" | "app" | "asgi", yaml: string]> = {
  command: ["command", "command: [python3, worker.py]"],
  wsgi: ["wsgi", "wsgi: blog.wsgi:application"],
  app: ["app", "app: ./server.ts"],
  cwd: ["command", "cwd: ."],
  settings: ["wsgi", "settings: blog.settings"],
  settingsVar: ["command", "settingsVar: MY_SETTINGS"],
  env: ["command", 'env: {A: "1"}'],
  envFile: ["command", "envFile: [.env]"],
  inheritEnv: ["command", "inheritEnv: [PATH, LC_*]"],
  listen: ["command", "listen: 9100"],
  processes: ["command", "processes: 4"],
  threads: ["wsgi", "threads: 8"],
  python: ["wsgi", "python: python3.12"],
  restart: ["command", "restart: always"],
  backoff: ["command", "backoff: {initial: 50ms, max: 5s}"],
  maxRestarts: ["command", "maxRestarts: {count: 3, within: 10s}"],
  startTimeout: ["command", "startTimeout: 5s"],
  ready: ["command", "ready: {delay: 2s}"],
  middleware: ["app", "middleware: [some-package]"],
  stopSignal: ["command", "stopSignal: SIGQUIT"],
  stopTimeout: ["command", "stopTimeout: 3s"],
  maxMemory: ["command", "maxMemory: 1GB"],
  watch: ["command", "watch: true"],
  watchIgnore: ["command", "watchIgnore: [tmp]"],
  user: ["command", "user: nobody"],
  group: ["command", "group: nogroup"],
  autostart: ["command", "autostart: false"],
  asgi: ["asgi", "asgi: blog.asgi:application"],
  asgiServer: ["asgi", "asgiServer: hypercorn"],
  before: ["command", "before: [[python3, manage.py, migrate], {command: make, timeout: 1m}, echo hi]"],
  dependsOn: ["command", "dependsOn: []"],
  health: ["asgi", "health: {http: /health, every: 5s, timeout: 1s, failures: 2}"],
  limits: ["command", "limits: {memory: 512MB, cpu: 50%, pids: 64}"],
  hosts: ["command", "hosts: [shop.example.com, www.shop.example.com]"],
  wsgiServer: ["wsgi", "wsgiServer: uwsgi"],
};

const BASE = {
  command: "command: [run]",
  wsgi: "wsgi: s.wsgi:app\n    listen: 9200",
  app: "app: ./server.ts\n    listen: 9200",
  asgi: "asgi: s.asgi:app\n    listen: 9200",
};
const FILES = { "server.ts": "", ".env": "" };

test("every site key in the table is accepted in a site", async () => {
  for (const [key, [kind, yaml]] of Object.entries(SAMPLES)) {
    const base = key === kind ? (kind === "command" ? "" : "listen: 9200") : BASE[kind];
    const text = `version: 1\nsites:\n  s:\n    ${[base, yaml].filter(Boolean).join("\n    ")}\n`;
    await loadOk(text, FILES).catch((error: unknown) => assert.fail(`${key}: ${String(error)}\n${text}`));
  }
});

test("every defaults key is accepted in defaults; the others are refused there", async () => {
  for (const [key, [kind, yaml]] of Object.entries(SAMPLES)) {
    const text = `version: 1\ndefaults:\n  ${yaml}\nsites:\n  s:\n    ${BASE[kind]}\n`;
    if (Object.hasOwn(DEFAULTS_KEYS, key)) {
      await loadOk(text, FILES).catch((error: unknown) => assert.fail(`${key}: ${String(error)}`));
    } else {
      const errors = await loadErrors(text, FILES);
      assert.match(errors[0]?.message ?? "", /cannot go in `defaults`/, key);
    }
  }
});

test("every supervisor key is accepted", async () => {
  const samples: Record<keyof typeof SUPERVISOR_KEYS, string> = {
    control: "control: run/ctl.sock",
    logs: "logs: var/logs",
    logMaxSize: "logMaxSize: 1MB",
    logKeep: "logKeep: 2",
    watchDebounce: "watchDebounce: 50ms",
    http: "http: {listen: 127.0.0.1:9900, token: 0123456789abcdef0123}",
    router: "router: {listen: 8123, domain: test}",
  };
  const { config } = await loadOk(`version: 1\nsupervisor:\n  ${Object.values(samples).join("\n  ")}\nsites:\n  s: {command: [a]}\n`);
  assert.deepEqual(config.logs && [config.logs.maxSizeBytes, config.logs.keep], [1024 * 1024, 2]);
  assert.equal(config.watchDebounceMs, 50);
  assert.deepEqual(config.router, { listen: { type: "tcp", host: "127.0.0.1", port: 8123 }, domain: "test", allowRemote: false });
});

test("the docs have a row for every key, nested ones included", () => {
  const docs = readFileSync(`${ROOT}docs/sites-yaml.md`, "utf8");
  const rows = (table: KeyTable, prefix = ""): string[] =>
    Object.entries(table).flatMap(([key, spec]) => [
      `${prefix}${key}`,
      ...(spec.type.type === "object" && prefix === "" && table !== TOP_KEYS ? rows(spec.type.keys, `${key}.`) : []),
    ]);
  for (const key of [...rows(TOP_KEYS), ...rows(SUPERVISOR_KEYS), ...rows(SITE_KEYS)]) {
    assert.ok(docs.includes(`| \`${key}\` |`), `no row for ${key}`);
  }
});
