/**
 * Finding and loading the site's settings module, Django-style: the settings variable
 * (`TSGI_SETTINGS_MODULE`, or the name in `TSGI_SETTINGS_VAR`) holds a dotted name relative to
 * the cwd, `beta.settings.prod` → `beta/settings/prod.ts` (or `.mts`, `.cts`, `.js`, `.mjs`,
 * `.cjs`, `.json`, first found in that order) or `beta/settings/prod/index.*`. A value with a
 * `/` in it is taken as a path relative to the cwd instead, tried as is and then with those
 * extensions.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describeLoadError, type ErrorContext } from "./describe-error.js";
import { failed, loaded, type Loaded } from "./failure.js";
import { moduleValue } from "./module-exports.js";
import { importForSite } from "./site-import.js";

export const DEFAULT_SETTINGS_VAR = "TSGI_SETTINGS_MODULE";
const EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json"] as const;

export interface SettingsRequest {
  /** The variable it came from, for messages. */
  readonly variable: string;
  readonly name: string;
}

export interface LoadedSettings {
  readonly file: string;
  readonly value: unknown;
}

/** `undefined` when the site has no settings module. */
export function settingsRequest(env: NodeJS.ProcessEnv): SettingsRequest | undefined {
  const variable = env["TSGI_SETTINGS_VAR"] || DEFAULT_SETTINGS_VAR;
  const name = env[variable];
  return name ? { variable, name } : undefined;
}

export async function loadSettings(
  request: SettingsRequest,
  cwd: string,
  recentFiles: ErrorContext["recentFiles"],
): Promise<Loaded<LoadedSettings>> {
  const found = findSettingsFile(request, cwd);
  if (!found.ok) return found;
  const file = found.value;
  if (extname(file) === ".json") return readJson(file, request.name);
  try {
    return loaded({ file, value: moduleValue(await importForSite(pathToFileURL(file).href)) });
  } catch (error) {
    const failure = await describeLoadError(error, { file, recentFiles });
    return failed({ ...failure, message: `settings module ${request.name}: ${failure.message}` });
  }
}

export function findSettingsFile(request: SettingsRequest, cwd: string): Loaded<string> {
  const { name, variable } = request;
  const isPath = name.includes("/");
  if (!isPath && !/^[^.\s\\]+(\.[^.\s\\]+)*$/.test(name)) {
    return failed({ message: `${variable}=${name} is not a dotted module name like "myapp.settings.prod"` });
  }
  const base = resolve(cwd, isPath ? name : name.split(".").join("/"));
  const candidates = [
    ...(isPath ? [base] : []),
    ...EXTENSIONS.map((ext) => base + ext),
    ...EXTENSIONS.map((ext) => join(base, `index${ext}`)),
  ];
  const file = candidates.find(isFile);
  if (file !== undefined) return loaded(file);
  const list = EXTENSIONS.map((ext) => ext.slice(1)).join(",");
  return failed({
    message:
      `settings module ${name} (from ${variable}) not found in ${cwd}: ` +
      `looked for ${base}.{${list}} and ${join(base, `index.{${list}}`)}`,
  });
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** JSON settings belong to no one else, so they are frozen through and through. */
function readJson(file: string, name: string): Loaded<LoadedSettings> {
  const text = readFileSync(file, "utf8");
  try {
    return loaded({ file, value: deepFreeze(JSON.parse(text)) });
  } catch (error) {
    // V8 quotes the offending text across lines; one line reads better in a log.
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ");
    return failed({ file, ...jsonPosition(reason, text), message: `settings module ${name}: invalid JSON: ${reason}` });
  }
}

/** Some of V8's JSON messages end "at position N"; editors want a line and column. */
function jsonPosition(reason: string, text: string): { line?: number; column?: number } {
  const position = /at position (\d+)/.exec(reason)?.[1];
  if (position === undefined) return {};
  const before = text.slice(0, Number(position)).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

function deepFreeze(value: unknown): unknown {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
