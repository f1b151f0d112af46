/**
 * Which site a request to the development router is for, from its Host header — a pure
 * decision: `NAME.DOMAIN[:PORT]` is site NAME, `DOMAIN` (or the bare address) is the index, a
 * name in a site's `hosts:` is that site, anything else is unknown.
 */
import type { RouterPlan } from "../config/types.js";

export type HostRoute =
  | { readonly kind: "index" }
  | { readonly kind: "site"; readonly name: string }
  /** `name` is what the Host header asked for (the label before the domain, or the whole host). */
  | { readonly kind: "unknown"; readonly name: string };

export interface RouteTable {
  readonly domain: string;
  readonly sites: ReadonlySet<string>;
  /** Extra host names (a site's `hosts:`) → site name. */
  readonly hosts: ReadonlyMap<string, string>;
}

export function routeHost(hostHeader: string | undefined, table: RouteTable): HostRoute {
  const host = hostName(hostHeader ?? "");
  const domain = table.domain.toLowerCase();
  // The bare address (127.0.0.1:8000, [::1]:8000) is the index too: where a user lands first.
  if (host === "" || host === domain || isAddress(host)) return { kind: "index" };
  const alias = table.hosts.get(host);
  if (alias !== undefined) return { kind: "site", name: alias };
  const name = host.endsWith(`.${domain}`) ? host.slice(0, -(domain.length + 1)) : host;
  return table.sites.has(name) ? { kind: "site", name } : { kind: "unknown", name };
}

/** `Alpha.localhost:8000` → `alpha.localhost`; `[::1]:8000` → `::1`. */
export function hostName(header: string): string {
  const text = header.trim().toLowerCase();
  if (text.startsWith("[")) return text.slice(1, text.indexOf("]") === -1 ? undefined : text.indexOf("]"));
  const colon = text.lastIndexOf(":");
  return (colon === -1 ? text : text.slice(0, colon)).replace(/\.$/, "");
}

function isAddress(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}

/** The URL a browser opens for a site: what the banner, `status` and the index print. */
export function routerUrl(plan: RouterPlan, name: string): string {
  return `http://${name}.${plan.domain}:${plan.listen.port}/`;
}

/** The index page's URL. */
export function routerIndexUrl(plan: RouterPlan): string {
  return `http://${plan.domain}:${plan.listen.port}/`;
}
