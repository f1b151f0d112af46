/**
 * `dependsOn:` at run time: a site starts once every site it depends on is ready, and stops
 * before them. The config guarantees the graph names only its own sites and has no cycle
 * (`config/dependencies.ts`); here it is walked.
 *
 * `inDependencyOrder` runs one operation per site as early as the order allows — sites that do
 * not depend on each other still start in parallel.
 */
import type { ResolvedSite } from "../config/types.js";

type Graph = ReadonlyMap<string, readonly string[]>;

export function dependencyGraph(sites: readonly ResolvedSite[]): Map<string, readonly string[]> {
  return new Map(sites.map((site) => [site.name, site.dependsOn]));
}

/** `names` and everything they depend on, directly or not. */
export function withDependencies(names: Iterable<string>, graph: Graph): Set<string> {
  const out = new Set<string>();
  const visit = (name: string): void => {
    if (out.has(name)) return;
    out.add(name);
    for (const dep of graph.get(name) ?? []) visit(dep);
  };
  for (const name of names) visit(name);
  return out;
}

/** The graph turned around: site → the sites that depend on it. */
export function dependents(graph: Graph): Map<string, string[]> {
  const out = new Map<string, string[]>([...graph.keys()].map((name) => [name, []]));
  for (const [name, deps] of graph) for (const dep of deps) out.get(dep)?.push(name);
  return out;
}

export type OrderedResult<R> = { readonly ran: true; readonly result: R } | { readonly ran: false; readonly blockedBy: string };

/**
 * Runs `run(name)` for every site of `graph`, each once all of `waitFor(name)` have run and
 * succeeded; one whose prerequisite failed does not run and names it. Start: `waitFor` = its
 * dependencies. Stop: its dependents (with `ok` always true, a stop never blocks one).
 */
export async function inDependencyOrder<R>(
  names: readonly string[],
  waitFor: (name: string) => readonly string[],
  run: (name: string) => Promise<R>,
  ok: (result: R) => boolean,
): Promise<Map<string, OrderedResult<R>>> {
  const known = new Set(names);
  const promises = new Map<string, Promise<OrderedResult<R>>>();
  const schedule = (name: string): Promise<OrderedResult<R>> => {
    const existing = promises.get(name);
    if (existing !== undefined) return existing;
    const promise = (async (): Promise<OrderedResult<R>> => {
      for (const before of waitFor(name).filter((other) => known.has(other))) {
        const outcome = await schedule(before);
        if (!outcome.ran || !ok(outcome.result)) return { ran: false, blockedBy: before };
      }
      return { ran: true, result: await run(name) };
    })();
    promises.set(name, promise);
    return promise;
  };
  const entries = await Promise.all(names.map(async (name) => [name, await schedule(name)] as const));
  return new Map(entries);
}
