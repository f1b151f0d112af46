/**
 * What an export could not carry over faithfully.
 *
 * The rule of both exports: a key with no faithful equivalent is said so twice — as a comment
 * next to where it would have gone, and here, on stderr — never silently dropped. Warnings are
 * values collected by the pure exporters and printed once by the command.
 */

export interface ExportWarning {
  /** `undefined` for what concerns the whole file (the `supervisor:` section). */
  readonly site: string | undefined;
  /** The `sites.yaml` key (or behaviour) that does not map: `watch`, `ready`, `maxMemory`… */
  readonly key: string;
  readonly message: string;
}

/**
 * One line per distinct message, naming every site it concerns: the same default (say
 * `restart: on-failure` under Kubernetes) on ten sites is one line, not ten.
 */
export function formatWarnings(target: string, warnings: readonly ExportWarning[]): string {
  const groups = new Map<string, { key: string; message: string; sites: string[] }>();
  for (const warning of warnings) {
    const id = `${warning.key}\u0000${warning.message}`;
    const group = groups.get(id) ?? { key: warning.key, message: warning.message, sites: [] };
    if (warning.site !== undefined && !group.sites.includes(warning.site)) group.sites.push(warning.site);
    groups.set(id, group);
  }
  return [...groups.values()]
    .map(({ key, message, sites }) => {
      const where = sites.length === 0 ? "" : ` (${sites.length === 1 ? "site" : "sites"} ${sites.join(", ")})`;
      return `tsgi export ${target}: warning: \`${key}\`${where}: ${message}\n`;
    })
    .join("");
}
