/**
 * `processes:` → a fixed count, or the `{min, max, idle}` of a site scaled with its accept queue.
 *
 * The rules between the object's keys (and with `listen`) are checked here, where a site's
 * other keys are known; each issue points at the key it is about.
 */
import type { IssueList } from "./errors.js";
import type { MapNode, Pos } from "./tree.js";
import type { Scaling } from "./types.js";
import type { SiteValues, TypedField } from "./validate.js";

export const DEFAULT_IDLE_MS = 10 * 60_000;

export interface ProcessPlan {
  /** The fixed count; for a scaled site `max(min, 1)`, what a start on demand runs. */
  readonly processes: number;
  readonly scaling: Scaling | undefined;
}

export function resolveProcesses(
  field: TypedField<SiteValues["processes"]> | undefined,
  hasListen: boolean,
  scope: string,
  issues: IssueList,
): ProcessPlan {
  const value = field?.value;
  if (field === undefined || value === undefined) return { processes: 1, scaling: undefined };
  if (typeof value === "number") return { processes: value, scaling: undefined };
  const node = field.node;
  const at = (key: string): Pos => (node.kind === "map" ? valuePos(node, key) : undefined) ?? node.pos;
  const min = value.min ?? 0;
  const max = value.max ?? Math.max(min, 1);
  const idleMs = value.idle ?? DEFAULT_IDLE_MS;
  if (max < Math.max(min, 1)) {
    issues.add(
      at("max"),
      `${scope}\`processes.max\` is ${max}, below \`processes.min\` (${min}): no more than \`max\` processes ever run`,
      `make \`max\` at least ${Math.max(min, 1)}`,
    );
  }
  if (value.idle === 0) {
    issues.add(
      at("idle"),
      `${scope}\`processes.idle\` is 0: every process would be stopped as soon as it served`,
      "write how long a process may go without a connection, e.g. `idle: 10m`",
    );
  }
  if (!hasListen) {
    issues.add(
      field.keyPos,
      `${scope}\`processes: {min, max, idle}\` needs \`listen\`: tsgi starts and adds processes by watching the site's socket`,
      "add `listen: 127.0.0.1:8001` (or a port of your choice, or `unix:PATH`), or write a fixed count such as `processes: 2`",
    );
  }
  return { processes: Math.max(min, 1), scaling: { min, max, idleMs } };
}

function valuePos(node: MapNode, key: string): Pos | undefined {
  return node.entries.find((entry) => entry.key === key)?.value.pos;
}
