import assert from "node:assert/strict";
import { test } from "node:test";
import { buildSiteEnv, DEFAULT_INHERIT, expandVars, inheritedEnv } from "../../../src/env/build-env.js";
import { isSecretName, REDACTED, redactEnv } from "../../../src/env/redact.js";
import { loadErrors, loadOk, site, SUPERVISOR_ENV } from "./helpers.js";

test("the default allowlist: PATH HOME USER LANG LC_* TZ TMPDIR, nothing else", () => {
  const env = inheritedEnv(SUPERVISOR_ENV, DEFAULT_INHERIT, "TSGI_SETTINGS_MODULE");
  assert.deepEqual(Object.fromEntries(env), {
    PATH: "/usr/bin:/bin",
    HOME: "/home/ops",
    USER: "ops",
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    TZ: "UTC",
  });
});

test("inheritEnv: true passes everything except settings variables and socket plumbing", () => {
  const env = inheritedEnv({ ...SUPERVISOR_ENV, MY_SETTINGS: "x", NOTIFY_SOCKET: "/run/x" }, true, "MY_SETTINGS");
  assert.equal(env.get("EDITOR"), "vi");
  assert.equal(env.get("AWS_SECRET_ACCESS_KEY"), "supervisor-secret");
  for (const name of ["DJANGO_SETTINGS_MODULE", "TSGI_SETTINGS_MODULE", "LISTEN_FDS", "NOTIFY_SOCKET", "MY_SETTINGS"]) {
    assert.equal(env.has(name), false, name);
  }
});

test("an explicit list with globs, and even a listed settings variable is not inherited", () => {
  const env = inheritedEnv(SUPERVISOR_ENV, ["LC_*", "EDITOR", "DJANGO_SETTINGS_MODULE", "T?"], "DJANGO_SETTINGS_MODULE");
  assert.deepEqual([...env.keys()].sort(), ["EDITOR", "LC_ALL", "TZ"]);
});

test("layers in order: inherited → defaults.env → envFile → env → settings", () => {
  const env = buildSiteEnv({
    supervisorEnv: { PATH: "/bin", A: "supervisor" },
    inheritEnv: ["PATH", "A"],
    defaultsEnv: { A: "defaults", B: "defaults", C: "defaults", D: "defaults" },
    fileEnv: { B: "file", C: "file" },
    siteEnv: { C: "site" },
    settingsVar: "DJANGO_SETTINGS_MODULE",
    settings: "blog.settings",
  });
  assert.deepEqual(env, { A: "defaults", B: "file", C: "site", D: "defaults", DJANGO_SETTINGS_MODULE: "blog.settings", PATH: "/bin" });
});

test("no settings: the settings variable is removed whatever layer set it", () => {
  const env = buildSiteEnv({
    supervisorEnv: { TSGI_SETTINGS_MODULE: "leak" },
    inheritEnv: true,
    defaultsEnv: {},
    fileEnv: { TSGI_SETTINGS_MODULE: "from-file" },
    siteEnv: {},
    settingsVar: "TSGI_SETTINGS_MODULE",
    settings: undefined,
  });
  assert.equal("TSGI_SETTINGS_MODULE" in env, false);
});

test("through the loader: the supervisor's settings variables and secrets never leak into a site", async () => {
  const { config } = await loadOk(`version: 1
sites:
  blog:
    wsgi: blog.wsgi:application
    listen: 8001
  api:
    command: [node, api.js]
    settings: api.settings
  all:
    command: [env]
    inheritEnv: true
  worker:
    command: [python3, -m, worker]
    env: {TSGI_SETTINGS_MODULE: "explicitly.mine"}
    settingsVar: DJANGO_SETTINGS_MODULE
    settings: worker.settings
`);
  const blog = site(config, "blog");
  assert.equal(blog.env.DJANGO_SETTINGS_MODULE, undefined, "no settings: the variable is absent, not the supervisor's");
  assert.equal(blog.env.TSGI_SETTINGS_MODULE, undefined);
  assert.equal(blog.env.AWS_SECRET_ACCESS_KEY, undefined);
  assert.equal(blog.env.LISTEN_FDS, undefined);
  const api = site(config, "api");
  assert.equal(api.env.TSGI_SETTINGS_MODULE, "api.settings");
  assert.equal(api.env.DJANGO_SETTINGS_MODULE, undefined);
  const all = site(config, "all");
  assert.equal(all.env.EDITOR, "vi");
  assert.equal(all.env.AWS_SECRET_ACCESS_KEY, "supervisor-secret", "inheritEnv: true is the user's explicit choice");
  assert.equal(all.env.DJANGO_SETTINGS_MODULE, undefined);
  assert.equal(all.env.TSGI_SETTINGS_MODULE, undefined);
  assert.equal(all.env.LISTEN_FDS, undefined);
  const worker = site(config, "worker");
  assert.equal(worker.env.DJANGO_SETTINGS_MODULE, "worker.settings");
  assert.equal(worker.env.TSGI_SETTINGS_MODULE, "explicitly.mine", "the other settings variable, set by the site itself, is kept");
});

test("env files: later files win, settings wins over a file, a file's settings variable without settings is an error", async () => {
  const { config } = await loadOk("version: 1\nsites:\n  a:\n    command: [a]\n    envFile: [one.env, two.env]\n    settings: a.real\n", {
    "one.env": "X=1\nY=1\nTSGI_SETTINGS_MODULE=a.from_file\n",
    "two.env": '# comment\nY=2\nQUOTED="a b"\nLISTEN_FDS=9\n',
  });
  const a = site(config, "a");
  assert.deepEqual([a.env.X, a.env.Y, a.env.QUOTED], ["1", "2", "a b"]);
  assert.equal(a.env.TSGI_SETTINGS_MODULE, "a.real");
  assert.equal(a.env.LISTEN_FDS, undefined, "socket variables from a file are dropped");

  const errors = await loadErrors("version: 1\nsites:\n  a:\n    command: [a]\n    envFile: one.env\n", {
    "one.env": "TSGI_SETTINGS_MODULE=a.from_file\n",
  });
  assert.equal(errors.length, 1);
  assert.deepEqual([errors[0]?.line, errors[0]?.col], [5, 14]);
  assert.match(errors[0]?.hint ?? "", /add `settings: a\.from_file`/);
});

test("defaults.env with a settings variable, and reserved names in env, are errors", async () => {
  const errors = await loadErrors(
    'version: 1\ndefaults:\n  env: {DJANGO_SETTINGS_MODULE: x}\nsites:\n  a: {command: [a], env: {LISTEN_FDS: "2"}}\n',
  );
  assert.equal(errors.length, 2);
  assert.match(errors[0]?.message ?? "", /every site the same settings/);
  assert.match(errors[1]?.message ?? "", /`env.LISTEN_FDS` is set by tsgi/);
});

test("${VAR} expansion", () => {
  const env = { HOST: "db", EMPTY: "" };
  const cases: [string, string][] = [
    ["postgres://${HOST}/app", "postgres://db/app"],
    ["${MISSING:-fallback}", "fallback"],
    ["${EMPTY:-fallback}", "fallback"],
    ["${EMPTY-fallback}", ""],
    ["${MISSING-}", ""],
    ["pa$$word $HOME $", "pa$$word $HOME $"],
    ["$${HOST}", "${HOST}"],
    ["${HOST}${HOST}", "dbdb"],
  ];
  for (const [input, output] of cases) assert.deepEqual(expandVars(input, env), { ok: true, value: output }, input);
  const unset = expandVars("x ${NOPE} y", env);
  assert.equal(unset.ok, false);
  assert.equal(unset.offset, 2);
  assert.match(unset.message, /NOPE/);
  for (const bad of ["${", "${1X}", "${A B}", "${}"]) assert.equal(expandVars(bad, env).ok, false, bad);
});

test("secret names and redaction", () => {
  for (const name of [
    "SECRET_KEY",
    "DB_PASSWORD",
    "db_passwd",
    "GITHUB_TOKEN",
    "API_KEY",
    "STRIPE_KEY",
    "aws_secret_access_key",
    "PRIVATE_KEY_PEM",
  ]) {
    assert.equal(isSecretName(name), true, name);
  }
  for (const name of ["PATH", "HOME", "DEBUG", "LANG", "PORT", "KEYBOARD", "SSH_AUTH_SOCK"]) assert.equal(isSecretName(name), false, name);
  assert.deepEqual(
    redactEnv({ SECRET_KEY: "s3cr3t", DEBUG: "1", DATABASE_URL: "postgres://app:hunter2@db:5432/app", CACHE: "redis://cache:6379" }),
    {
      SECRET_KEY: REDACTED,
      DEBUG: "1",
      DATABASE_URL: `postgres://app:${REDACTED}@db:5432/app`,
      CACHE: "redis://cache:6379",
    },
  );
});

test("env values: empty strings are values, an empty YAML value is an error", async () => {
  const { config } = await loadOk('version: 1\nsites:\n  a: {command: [a], env: {EMPTY: "", SPACE: " "}}\n');
  assert.equal(site(config, "a").env.EMPTY, "");
  assert.equal(site(config, "a").env.SPACE, " ");
  const errors = await loadErrors("version: 1\nsites:\n  a:\n    command: [a]\n    env:\n      NOTHING:\n");
  assert.equal(errors.length, 1);
  assert.deepEqual([errors[0]?.line, errors[0]?.col], [6, 7]);
  assert.match(errors[0]?.message ?? "", /`env.NOTHING` has no value/);
});

test("settingsVar cannot name a variable tsgi sets per process", async () => {
  const errors = await loadErrors("version: 1\nsites:\n  a: {command: [a], settingsVar: LISTEN_PID}\n");
  assert.match(errors[0]?.message ?? "", /`settingsVar` cannot be `LISTEN_PID`/);
});
