/**
 * `dependsOn:` between sites: every name must be a site of the file, and the graph must have
 * no cycle — a cycle would leave its sites waiting on each other forever, so it is refused
 * with the whole cycle named, at the `dependsOn` entry that closes it.
 */
import type { IssueList } from "./errors.js";
import { didYouMean } from "./suggest.js";
import type { ValidConfig } from "./validate.js";

/** Site → the sites it depends on. */
export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

/** The first cycle found, as a path that starts and ends with the same site; none → undefined. */
export function findCycle(graph: DependencyGraph): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const at = path.indexOf(name);
    if (at >= 0) return [...path.slice(at), name];
    if (done.has(name)) return undefined;
    path.push(name);
    for (const next of graph.get(name) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    done.add(name);
    return undefined;
  };
  for (const name of graph.keys()) {
    const cycle = visit(name);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

export function checkDependencies(valid: ValidConfig, issues: IssueList): void {
  const names = valid.sites.map((site) => site.name);
  const graph = new Map<string, string[]>();
  for (const site of valid.sites) {
    const field = site.fields.dependsOn;
    const deps = field?.value ?? [];
    deps.forEach((dep, index) => {
      const pos = (field?.node.kind === "seq" ? field.node.items[index]?.pos : undefined) ?? site.namePos;
      if (dep === site.name) issues.add(pos, `site \`${site.name}\` depends on itself`, `remove \`${dep}\` from its \`dependsOn\``);
      else if (!names.includes(dep)) {
        issues.add(
          pos,
          `site \`${site.name}\` depends on \`${dep}\`, which is not a site of this file`,
          didYouMean(dep, names) ?? `sites: ${names.join(", ")}`,
        );
      }
    });
    graph.set(
      site.name,
      deps.filter((dep) => dep !== site.name && names.includes(dep)),
    );
  }
  const cycle = findCycle(graph);
  if (cycle === undefined) return;
  // Reported where the cycle closes: the last site's entry naming the first.
  const last = cycle.at(-2) ?? "";
  const first = cycle.at(-1) ?? "";
  const site = valid.sites.find((s) => s.name === last);
  const field = site?.fields.dependsOn;
  const index = field?.value.indexOf(first) ?? -1;
  const pos = (field?.node.kind === "seq" ? field.node.items[index]?.pos : undefined) ?? site?.namePos ?? { line: 1, col: 1 };
  issues.add(
    pos,
    `\`dependsOn\` makes a cycle: ${cycle.join(" → ")}; none of these sites could ever start`,
    `remove \`${first}\` from the \`dependsOn\` of \`${last}\`, or break the cycle elsewhere`,
  );
}
