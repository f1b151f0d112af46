/**
 * Imported sites → the text of a `sites.yaml`, laid out by hand so that every site carries the
 * file and line it came from and every unmapped option sits as a comment where it was.
 * Values go through `toYamlFlow` (the YAML writer), so quoting is the library's, not ours.
 */
import { toYamlFlow } from "../export/yaml-out.js";
import { where, type ImportedSite, type YamlValue } from "./model.js";

function comment(text: string, indent: string): string[] {
  return text.split("\n").map((line) => `${indent}# ${line}`.trimEnd());
}

/** `${` would be expanded by the loader; the source meant it literally. */
function literal(value: string): string {
  return value.replaceAll("${", () => "$${");
}

function isMap(value: YamlValue): value is { readonly [key: string]: YamlValue } {
  return typeof value === "object" && !Array.isArray(value);
}

function keyLine(key: string, value: YamlValue, note: string | undefined, indent: string): string[] {
  const tail = note === undefined ? "" : `  # ${note}`;
  if (key === "env" && isMap(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [];
    return [
      `${indent}env:${tail}`,
      ...entries.map(([name, v]) => `${indent}  ${toYamlFlow(name)}: ${toYamlFlow(typeof v === "string" ? literal(v) : v)}`),
    ];
  }
  return [`${indent}${key}: ${toYamlFlow(value)}${tail}`];
}

export interface RenderInput {
  /** The input files, as the user named them. */
  readonly inputs: readonly string[];
  readonly format: string;
  readonly notes: readonly string[];
  readonly sites: readonly ImportedSite[];
}

export function renderSites(input: RenderInput): string {
  const out = [
    `# Imported by \`tsgi-supervise import\` from ${input.format}: ${input.inputs.join(", ")}`,
    '# Each site names the file and line it came from; "not mapped" comments are options tsgi has no',
    "# key for (each was also a warning). Check the result with `tsgi-supervise check`.",
    "version: 1",
  ];
  for (const note of input.notes) out.push(...comment(note, ""));
  out.push("sites:");
  input.sites.forEach((site, index) => {
    if (index > 0) out.push("");
    out.push(`  # ${site.label} (${where(site.from)})`, `  ${site.name}:`);
    for (const line of site.lines) {
      if (line.type === "note") out.push(...comment(line.text, "    "));
      else out.push(...keyLine(line.key, line.value, line.comment, "    "));
    }
  });
  return `${out.join("\n")}\n`;
}
