/**
 * Apache with mod_wsgi → `wsgi:` sites: one per `WSGIDaemonProcess`, its application found
 * through the `WSGIScriptAlias` routed to it (`process-group=` or the `WSGIProcessGroup` of
 * its `<VirtualHost>`), `SetEnv` of that vhost in its environment. Options are mapped by the
 * one table in `mod-wsgi-table.ts`. The vhost's `ProxyPass` lines are printed as advice.
 */
import path from "node:path";
import type { ImportContext } from "../context.js";
import { failAt, type ImportedSite, type Parsed, type SiteDraft } from "../model.js";
import { at, daemonSite, is, type Scope } from "./daemon-site.js";
import { parseApache, type ApacheNode, type Directive } from "./parse.js";

/** Everything under a node, sections flattened (a `<Location>`'s `WSGIProcessGroup` counts for its vhost). */
function flatten(nodes: readonly ApacheNode[], into: Directive[], vhosts: Scope[]): void {
  for (const node of nodes) {
    if (node.type === "directive") into.push(node);
    else if (node.name.toLowerCase() === "virtualhost") {
      const scope: Scope = {
        label: `<VirtualHost ${node.args.join(" ")}>`,
        at: { file: node.file, line: node.line },
        serverName: undefined,
        directives: [],
      };
      flatten(node.children, scope.directives, vhosts);
      const name = scope.directives.find((d) => d.name.toLowerCase() === "servername")?.args[0];
      vhosts.push({ ...scope, serverName: name });
    } else flatten(node.children, into, vhosts);
  }
}

interface ScriptAlias {
  readonly directive: Directive;
  readonly mount: string;
  readonly script: string;
  readonly group: string | undefined;
}

function scriptAliases(scope: Scope): ScriptAlias[] {
  const defaultGroup = scope.directives.find((d) => is(d, "WSGIProcessGroup"))?.args[0];
  return scope.directives
    .filter((d) => is(d, "WSGIScriptAlias") || is(d, "WSGIScriptAliasMatch"))
    .map((d) => {
      const group =
        d.args
          .slice(2)
          .find((a) => a.startsWith("process-group="))
          ?.slice("process-group=".length) ?? defaultGroup;
      return { directive: d, mount: d.args[0] ?? "/", script: d.args[1] ?? "", group };
    });
}

/** The address `daemonSite` gave the site, for the ProxyPass advice. */
function listenOf(site: SiteDraft): string {
  const listen = site.get("listen");
  return typeof listen === "string" ? listen : "";
}

export function importApache(files: readonly string[], ctx: ImportContext): Parsed<ImportedSite[]> {
  const server: Scope = {
    label: "server config",
    at: { file: ctx.display(files[0] ?? ""), line: 1 },
    serverName: undefined,
    directives: [],
  };
  const vhosts: Scope[] = [];
  for (const file of files) {
    const parsed = parseApache(file, ctx);
    if (!parsed.ok) return parsed;
    flatten(parsed.value, server.directives, vhosts);
  }
  const scopes = [server, ...vhosts];
  const home = server.directives.find((d) => is(d, "WSGIPythonHome"))?.args[0];
  const serverPath = server.directives.find((d) => is(d, "WSGIPythonPath"))?.args[0];
  const sites: ImportedSite[] = [];
  const proxied = new Map<Scope, { mount: string; listen: string }[]>();
  for (const scope of scopes) {
    for (const daemon of scope.directives.filter((d) => is(d, "WSGIDaemonProcess"))) {
      const name = daemon.args[0];
      if (name === undefined)
        return failAt(daemon.file, daemon.line, 1, "WSGIDaemonProcess without a name", "`WSGIDaemonProcess NAME option=value …`");
      const routed = scopes.flatMap((s) =>
        scriptAliases(s)
          .filter((a) => a.group === name)
          .map((alias) => ({ scope: s, alias })),
      );
      const first = routed[0];
      const where = first?.scope ?? scope;
      const site = ctx.site(
        name,
        at(daemon),
        `WSGIDaemonProcess ${name}${where.serverName === undefined ? "" : ` for ${where.serverName}`}`,
      );
      const made = daemonSite(site, daemon, first?.alias, where, { home, serverPath }, ctx);
      if (!made.ok) return made;
      for (const extra of routed.slice(1)) {
        site.unmapped(
          at(extra.alias.directive),
          `WSGIScriptAlias ${extra.alias.mount} ${extra.alias.script}`,
          "a site serves one application; import it as a second daemon process",
        );
      }
      if (first !== undefined) {
        const list = proxied.get(first.scope) ?? [];
        list.push({ mount: first.alias.mount, listen: listenOf(site) });
        proxied.set(first.scope, list);
      }
      sites.push(site.done());
    }
  }
  // Embedded mode: a script alias routed to no daemon becomes a site of its own.
  for (const scope of scopes) {
    const daemons = new Set(scopes.flatMap((s) => s.directives.filter((d) => is(d, "WSGIDaemonProcess")).map((d) => d.args[0])));
    for (const alias of scriptAliases(scope).filter((a) => a.group === undefined || !daemons.has(a.group))) {
      const wanted = (scope.serverName ?? path.basename(alias.script, path.extname(alias.script))).split(".")[0] ?? "site";
      const site = ctx.site(wanted, at(alias.directive), `WSGIScriptAlias ${alias.mount} in ${scope.label}`);
      site.note("was embedded mode (no daemon process): now a site of its own processes");
      const made = daemonSite(site, undefined, alias, scope, { home, serverPath }, ctx);
      if (!made.ok) return made;
      const list = proxied.get(scope) ?? [];
      list.push({ mount: alias.mount, listen: listenOf(site) });
      proxied.set(scope, list);
      sites.push(site.done());
    }
  }
  for (const [scope, routes] of proxied) advise(scope, routes, ctx);
  for (const d of server.directives) topLevel(d, ctx);
  return { ok: true, value: sites };
}

/** Server-wide directives: the defaults are applied per site; the rest are notes or warnings. */
function topLevel(d: Directive, ctx: ImportContext): void {
  if (
    !/^WSGI/i.test(d.name) ||
    is(d, "WSGIDaemonProcess") ||
    is(d, "WSGIPythonHome") ||
    is(d, "WSGIPythonPath") ||
    is(d, "WSGIScriptAlias")
  )
    return;
  if (is(d, "WSGIRestrictEmbedded") || is(d, "WSGIPassAuthorization") || is(d, "WSGIApplicationGroup") || is(d, "WSGIProcessGroup")) {
    ctx.log.notes.push(`${d.name} ${d.args.join(" ")} (${d.file}:${d.line}): nothing to write`);
  } else ctx.log.unmapped(at(d), `${d.name} ${d.args.join(" ")}`, "not in tsgi's mod_wsgi table");
}

function advise(scope: Scope, routes: readonly { mount: string; listen: string }[], ctx: ImportContext): void {
  const aliases = scope.directives.filter((d) => is(d, "Alias")).map((d) => d.args[0] ?? "/");
  const lines = [
    `${scope.serverName ?? scope.label} (${scope.at.file}:${scope.at.line}): in place of its WSGI* lines, Apache proxies to tsgi (needs mod_proxy and mod_proxy_http):`,
    ...aliases.map((alias) => `    ProxyPass ${alias} !`),
    ...routes.flatMap((r) => {
      const target = r.listen.startsWith("unix:")
        ? `${r.listen}|http://localhost${r.mount}`
        : `http://${r.listen}${r.mount === "/" ? "/" : r.mount}`;
      return [`    ProxyPass ${r.mount} ${target}`, `    ProxyPassReverse ${r.mount} ${target}`];
    }),
    "    ProxyPreserveHost On",
  ];
  ctx.log.advice.push(lines.join("\n"));
}
