/**
 * A host name routes to one site: the second time a name appears (in another site, or twice in
 * one), it is reported where it was written, naming where it was first. Names compare lowercased,
 * as `Host` headers do; `*.example.com` and `shop.example.com` may coexist (the exact name wins in
 * every front server).
 */
import type { IssueList } from "./errors.js";
import type { Pos } from "./tree.js";
import type { ValidSite } from "./validate.js";

export function checkHostsUnique(sites: readonly ValidSite[], issues: IssueList): void {
  const seen = new Map<string, { site: string; pos: Pos }>();
  for (const site of sites) {
    const field = site.fields.hosts;
    if (field === undefined) continue;
    field.value.forEach((host, index) => {
      const pos = (field.node.kind === "seq" ? field.node.items[index]?.pos : undefined) ?? field.node.pos;
      const first = seen.get(host);
      if (first === undefined) {
        seen.set(host, { site: site.name, pos });
      } else if (first.site === site.name) {
        issues.add(pos, `site \`${site.name}\` lists the host \`${host}\` twice (first at line ${first.pos.line})`, "remove one of them");
      } else {
        issues.add(
          pos,
          `site \`${site.name}\`: host \`${host}\` is already routed to site \`${first.site}\` (line ${first.pos.line})`,
          `a host name routes to one site: remove it from \`${site.name}\` or from \`${first.site}\``,
        );
      }
    });
  }
}
