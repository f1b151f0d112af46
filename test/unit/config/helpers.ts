/** Shared by the config tests: configs written to real temp folders, streams captured. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { after } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import type { ConfigIssue, ResolvedConfig } from "../../../src/config/types.js";

/** A fixed supervisor environment, so no test depends on the machine's. */
export const SUPERVISOR_ENV: NodeJS.ProcessEnv = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/ops",
  USER: "ops",
  LANG: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  TZ: "UTC",
  DJANGO_SETTINGS_MODULE: "leaked.settings",
  TSGI_SETTINGS_MODULE: "leaked.tsgi",
  AWS_SECRET_ACCESS_KEY: "supervisor-secret",
  LISTEN_FDS: "1",
  EDITOR: "vi",
};

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A temp folder holding `files` (path → content); returns its path. */
export function tempProject(files: Readonly<Record<string, string>> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "tsgi-config-"));
  folders.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** Writes `sites.yaml` (and `files`) to a temp folder and loads it. */
export async function loadYaml(
  yaml: string,
  files: Readonly<Record<string, string>> = {},
  env: NodeJS.ProcessEnv = SUPERVISOR_ENV,
): Promise<{ dir: string; file: string; result: Awaited<ReturnType<typeof loadConfig>> }> {
  const dir = tempProject({ ...files, "sites.yaml": yaml });
  const file = join(dir, "sites.yaml");
  return { dir, file, result: await loadConfig(file, { env }) };
}

export async function loadOk(yaml: string, files: Readonly<Record<string, string>> = {}, env?: NodeJS.ProcessEnv) {
  const loaded = await loadYaml(yaml, files, env);
  if (!loaded.result.ok) {
    throw new Error(`expected a valid config, got:\n${loaded.result.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join("\n")}`);
  }
  return { ...loaded, config: loaded.result.config };
}

export async function loadErrors(
  yaml: string,
  files: Readonly<Record<string, string>> = {},
  env?: NodeJS.ProcessEnv,
): Promise<readonly ConfigIssue[]> {
  const loaded = await loadYaml(yaml, files, env);
  if (loaded.result.ok) throw new Error("expected errors, the config loaded");
  return loaded.result.errors;
}

export function site(config: ResolvedConfig, name: string) {
  const found = config.sites.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no site ${name}`);
  return found;
}

export class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}
