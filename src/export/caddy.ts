/**
 * `export caddy`: one site block per route, for a Caddyfile of its own or `import`ed into one.
 *
 * Caddy keeps `Host`, adds `X-Forwarded-For`/`-Proto`/`-Host` and passes WebSocket upgrades by
 * itself, so the block is short. Without `--tls-dir` every address is `http://…`: Caddy's
 * automatic HTTPS would otherwise go and fetch certificates, and TLS is written only when the
 * user gives the certificates. No global options block: it must be the first thing of a
 * Caddyfile, so an imported file could not carry one.
 */
import { header, portOf, type FrontOptions, type FrontRoute } from "./front-routes.js";

export const CADDY_RELOAD = "caddy validate --config /etc/caddy/Caddyfile && sudo systemctl reload caddy";

export function renderCaddy(routes: readonly FrontRoute[], options: FrontOptions): string {
  const lines = [
    ...header("caddy", options, routes, CADDY_RELOAD),
    "# Unknown host names match no block here: Caddy's own default answers.",
  ];
  for (const route of routes) lines.push("", ...block(route, options));
  return `${lines.join("\n")}\n`;
}

function bindOf(listen: string): string | undefined {
  const colon = listen.lastIndexOf(":");
  return colon < 0 ? undefined : listen.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
}

function block(route: FrontRoute, options: FrontOptions): string[] {
  const listen = route.tls === undefined ? options.listen : options.tlsListen;
  const scheme = route.tls === undefined ? "http" : "https";
  const port = portOf(listen);
  const standard = (scheme === "http" && port === "80") || (scheme === "https" && port === "443");
  const addresses = route.hosts.map((host) => `${scheme}://${host}${standard ? "" : `:${port}`}`).join(", ");
  const bind = bindOf(listen);
  const upstream = route.upstream.type === "unix" ? `unix/${route.upstream.path}` : `${route.upstream.host}:${route.upstream.port}`;
  return [
    `# ${route.site}`,
    `${addresses} {`,
    ...(bind === undefined ? [] : [`\tbind ${bind}`]),
    ...(route.tls === undefined ? [] : [`\ttls ${quote(route.tls.certificate)} ${quote(route.tls.key)}`]),
    `\treverse_proxy ${quote(upstream)} {`,
    "\t\ttransport http {",
    `\t\t\tdial_timeout ${route.connectTimeoutS}s`,
    `\t\t\tresponse_header_timeout ${route.readTimeoutS}s`,
    "\t\t}",
    "\t}",
    "}",
  ];
}

/** Caddyfile tokens: quoted only when they must be (a space, a quote, a brace). */
function quote(text: string): string {
  return /^[^\s"{}#]+$/.test(text) ? text : `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
