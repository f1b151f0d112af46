/**
 * What `reload-config` must do: a pure comparison of two resolved plans, by site name.
 *
 * A site is unchanged only when its whole resolved plan is deep-equal — environment included,
 * so an edited env file counts. `socketChanged` tells the supervisor the listening socket
 * itself must be replaced rather than handed to the next generation.
 */
import type { ResolvedConfig, ResolvedSite } from "./types.js";

export interface SiteChange {
  readonly before: ResolvedSite;
  readonly after: ResolvedSite;
  readonly socketChanged: boolean;
  /** False when only keys its processes never see changed (`hosts`): nothing to reload. */
  readonly processesChanged: boolean;
  /** Top-level keys of `ResolvedSite` that differ, e.g. `["env", "processes"]`. */
  readonly fields: readonly string[];
}

export interface ConfigDiff {
  readonly added: readonly ResolvedSite[];
  readonly removed: readonly ResolvedSite[];
  readonly changed: readonly SiteChange[];
  readonly unchanged: readonly ResolvedSite[];
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  // `{x: undefined}` and `{}` mean the same plan.
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (!deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** Keys read only by `export nginx|apache|caddy`, never by a site's processes. */
const FRONT_ONLY: readonly string[] = ["hosts"];

function changedFields(before: ResolvedSite, after: ResolvedSite): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof ResolvedSite>;
  return [...keys].filter((key) => !deepEqual(before[key], after[key]));
}

/** Sites in `next`'s order (removed ones in `old`'s order). */
export function diffConfigs(old: ResolvedConfig, next: ResolvedConfig): ConfigDiff {
  const previous = new Map(old.sites.map((site) => [site.name, site]));
  const names = new Set(next.sites.map((site) => site.name));
  const added: ResolvedSite[] = [];
  const changed: SiteChange[] = [];
  const unchanged: ResolvedSite[] = [];
  for (const after of next.sites) {
    const before = previous.get(after.name);
    if (before === undefined) {
      added.push(after);
      continue;
    }
    const fields = changedFields(before, after);
    if (fields.length === 0) unchanged.push(after);
    else
      changed.push({
        before,
        after,
        socketChanged: fields.includes("listen"),
        processesChanged: fields.some((field) => !FRONT_ONLY.includes(field)),
        fields,
      });
  }
  const removed = old.sites.filter((site) => !names.has(site.name));
  return { added, removed, changed, unchanged };
}
