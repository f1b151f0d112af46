/** From a resolved site to the program tsgi spawns for each of its processes (per kind). */
import type { ResolvedSite } from "../config/types.js";
import { kindOf } from "./registry.js";
import type { LaunchPlan } from "./site-kind.js";

export type { LaunchPlan };
export { WORKER_MAIN } from "./app.js";

export function launchPlan(site: ResolvedSite): LaunchPlan {
  return kindOf(site).launch();
}
