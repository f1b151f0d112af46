/**
 * `--only NAME,...`: the sites of a file to run or export. Parsed, checked against the file and
 * applied here, for `run` (and every config the supervisor applies later) and `export` alike.
 */
import type { ResolvedConfig } from "./types.js";

/** `a, b,,c` → `["a", "b", "c"]`; undefined when the option was not given. */
export function parseOnly(value: string | undefined): readonly string[] | undefined {
  return value
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export type OnlyCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** Every name must be a site of the file: a typo must not quietly run (or export) nothing. */
export function checkOnly(config: ResolvedConfig, only: readonly string[] | undefined): OnlyCheck {
  if (only === undefined) return { ok: true };
  if (only.length === 0) return { ok: false, message: "--only needs site names: --only NAME,..." };
  const names = config.sites.map((site) => site.name);
  const unknown = only.filter((name) => !names.includes(name));
  if (unknown.length === 0) return { ok: true };
  return {
    ok: false,
    message: `--only: no site ${unknown.map((n) => `\`${n}\``).join(", ")} in ${config.file} (sites: ${names.join(", ")})`,
  };
}

/** The config with only the named sites, in file order (all of them when `only` is undefined). */
export function onlySites(config: ResolvedConfig, only: Iterable<string> | undefined): ResolvedConfig {
  if (only === undefined) return config;
  const names = new Set(only);
  return { ...config, sites: config.sites.filter((site) => names.has(site.name)) };
}
