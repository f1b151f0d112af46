/** Every kind of site tsgi runs, by the key that names it in `sites.yaml`. */
import type { ResolvedSite } from "../config/types.js";
import { appKind } from "./app.js";
import { asgiKind } from "./asgi.js";
import { commandKind } from "./command.js";
import type { LaunchPlan, PreflightResult, SiteKind } from "./site-kind.js";
import { wsgiKind } from "./wsgi.js";

type KindConfig = ResolvedSite["kind"];

export const SITE_KINDS: { readonly [T in KindConfig["type"]]: SiteKind<Extract<KindConfig, { type: T }>> } = {
  command: commandKind,
  wsgi: wsgiKind,
  app: appKind,
  asgi: asgiKind,
};

/** A site's kind with its methods bound to the site. */
export interface BoundKind {
  readonly setsListenPid: boolean;
  launch(): LaunchPlan;
  preflight(): Promise<PreflightResult>;
}

export function kindOf(site: ResolvedSite): BoundKind {
  // The table's type pairs each key with its variant; TypeScript cannot follow that through an
  // index by a union, so the pairing is asserted once, here.
  const kind = SITE_KINDS[site.kind.type] as unknown as SiteKind<KindConfig>;
  return { setsListenPid: kind.setsListenPid, launch: () => kind.launch(site), preflight: () => kind.preflight(site) };
}
