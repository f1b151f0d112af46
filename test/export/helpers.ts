/**
 * Shared by the export tests: hand-made resolved sites (so the mappings are tested without a
 * loader), the fixture and example configs, and small readers for the exporters' models.
 */
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import type { ResolvedConfig, ResolvedSite } from "../../src/config/types.js";
import { loadConfig, formatIssues } from "../../src/config/load.js";
import type { UnitFile } from "../../src/export/unit-file.js";
import { resolvedSite } from "../../kit/resolved-site.js";

export const FIXTURE = fileURLToPath(new URL("./fixtures/sites.yaml", import.meta.url));
export const EXAMPLE = fileURLToPath(new URL("../../config/sites.example.yaml", import.meta.url));

/** Secret values in the fixture: none of them may appear in any output. */
export const FIXTURE_SECRETS = ["fixture-secret-value-1", "hunter2-fixture", "tok-fixture-3"];

/** The kit's fully-defaulted site, with the defaults the export tests' expectations assume. */
export function site(overrides: Partial<ResolvedSite> & Pick<ResolvedSite, "name">): ResolvedSite {
  return resolvedSite({ kind: { type: "command", argv: ["/bin/sleep", "1000"] }, cwd: "/srv/app", ...overrides });
}

export function config(sites: readonly ResolvedSite[]): ResolvedConfig {
  return { file: "/srv/app/sites.yaml", dir: "/srv/app", control: "/srv/app/.tsgi/control.sock", logs: false, watchDebounceMs: 100, sites };
}

export async function load(file: string): Promise<ResolvedConfig> {
  const result = await loadConfig(file);
  if (!result.ok) throw new Error(`${file} does not load:\n${formatIssues(result.errors)}`);
  return result.config;
}

/** Why the example config cannot be used (yet), or undefined when it loads. */
export async function exampleProblem(): Promise<string | undefined> {
  const result = await loadConfig(EXAMPLE);
  return result.ok ? undefined : `config/sites.example.yaml does not load: ${result.errors[0]?.message ?? "?"}`;
}

/** Every value of `key` in `section`, in order. */
export function values(unit: UnitFile | undefined, section: string, key: string): string[] {
  if (unit === undefined) throw new Error("no such unit");
  return unit.sections
    .filter((s) => s.name === section)
    .flatMap((s) => s.lines)
    .flatMap((line) => ("key" in line && line.key === key ? [line.value] : []));
}

export function value(unit: UnitFile | undefined, section: string, key: string): string | undefined {
  const all = values(unit, section, key);
  if (all.length > 1) throw new Error(`${key} is set ${all.length} times`);
  return all[0];
}

export function comments(unit: UnitFile | undefined): string {
  if (unit === undefined) throw new Error("no such unit");
  return [...unit.header, ...unit.sections.flatMap((s) => s.lines).flatMap((line) => ("comment" in line ? [line.comment] : []))].join("\n");
}

export function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

/** Finds any program: the tests must not depend on what is installed. */
export const findAnything = (file: string): { ok: true; path: string } => ({
  ok: true,
  path: file.startsWith("/") ? file : `/usr/bin/${file}`,
});
