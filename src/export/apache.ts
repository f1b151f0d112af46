/**
 * `export apache`: one `<VirtualHost>` per route (Debian: `/etc/apache2/sites-available/tsgi.conf`,
 * then `a2ensite tsgi`), in the `ProxyPass` form that replaces mod_wsgi's `WSGIDaemonProcess`,
 * `WSGIProcessGroup` and `WSGIScriptAlias`: tsgi runs the site's processes, Apache only proxies.
 *
 * - mod_proxy_http adds `X-Forwarded-For`/`-Host`/`-Server` itself; `-Proto` is set with
 *   mod_headers. `upgrade=websocket` (Apache 2.4.47+) passes WebSocket upgrades without
 *   mod_proxy_wstunnel.
 * - A missing module is an `Error` at `apache2ctl -t` naming the `a2enmod` to run, not an
 *   "Invalid command 'ProxyPass'" at start.
 * - No `Listen` lines: Debian's `ports.conf` has them, and a second `Listen` of one port fails.
 *   Unknown host names go to the first virtual host of the port (Debian's `000-default`).
 */
import { header, portOf, tcpUrl, type FrontOptions, type FrontRoute } from "./front-routes.js";

export const APACHE_RELOAD = "sudo apache2ctl configtest && sudo systemctl reload apache2";

const MODULES: ReadonlyArray<readonly [id: string, name: string]> = [
  ["proxy_module", "proxy"],
  ["proxy_http_module", "proxy_http"],
  ["headers_module", "headers"],
];

export function renderApache(routes: readonly FrontRoute[], options: FrontOptions): string {
  const tls = routes.some((route) => route.tls !== undefined);
  const modules = tls ? [...MODULES, ["ssl_module", "ssl"] as const] : MODULES;
  const lines = [
    ...header("apache", options, routes, APACHE_RELOAD),
    `# Apache must Listen on ${options.listen}${tls ? ` and ${options.tlsListen}` : ""} (Debian: ports.conf); unknown host names go to its first virtual host there.`,
    "",
    ...modules.flatMap(([id, name]) => [
      `<IfModule !${id}>`,
      `    Error "tsgi export: Apache needs mod_${name}: run a2enmod ${name}"`,
      "</IfModule>",
    ]),
  ];
  for (const route of routes) lines.push("", ...virtualHosts(route, options));
  return `${lines.join("\n")}\n`;
}

/**
 * `*:PORT` whatever the `Listen` address: Apache matches a request against the virtual hosts of
 * the most specific address first, so `127.0.0.1:PORT` here would take unknown names away from
 * the server's default `*:PORT` host (Debian's `000-default`) and give them to the first site.
 */
function address(listen: string): string {
  return `*:${portOf(listen)}`;
}

function virtualHosts(route: FrontRoute, options: FrontOptions): string[] {
  const names = serverNames(route);
  const plain = [`<VirtualHost ${address(options.listen)}>`, ...names];
  if (route.tls === undefined) return [...comment(route), ...plain, ...proxy(route, "http"), "</VirtualHost>"];
  const port = portOf(options.tlsListen);
  return [
    ...comment(route),
    ...plain,
    // SERVER_NAME is the name the client asked for (UseCanonicalName Off, the default), so each
    // alias redirects to itself.
    '    <Location "/">',
    `        Redirect permanent "https://%{SERVER_NAME}${port === "443" ? "" : `:${port}`}%{REQUEST_URI}"`,
    "    </Location>",
    "</VirtualHost>",
    `<VirtualHost ${address(options.tlsListen)}>`,
    ...names,
    "    SSLEngine on",
    `    SSLCertificateFile ${quote(route.tls.certificate)}`,
    `    SSLCertificateKeyFile ${quote(route.tls.key)}`,
    ...proxy(route, "https"),
    "</VirtualHost>",
  ];
}

function comment(route: FrontRoute): string[] {
  if (!route.wsgi) return [`# ${route.site}`];
  return [
    `# ${route.site}: replaces its WSGIDaemonProcess ${route.site} …, WSGIProcessGroup ${route.site} and WSGIScriptAlias lines;`,
    "# static files stay with Apache: Alias /static/ /srv/…/static/ and ProxyPass /static/ ! before the ProxyPass below.",
  ];
}

/** `ServerName` cannot be a wildcard: a wildcard-only site gets a placeholder name and aliases. */
function serverNames(route: FrontRoute): string[] {
  const exact = route.hosts.filter((host) => !host.startsWith("*"));
  const main = exact[0] ?? `${route.site}.tsgi.invalid`;
  const aliases = route.hosts.filter((host) => host !== main);
  return [`    ServerName ${main}`, ...(aliases.length > 0 ? [`    ServerAlias ${aliases.join(" ")}`] : [])];
}

function proxy(route: FrontRoute, scheme: "http" | "https"): string[] {
  // The host after `|` only names the connection: ProxyPreserveHost sends the client's Host.
  const target = route.upstream.type === "unix" ? `unix:${route.upstream.path}|http://${route.site}/` : `${tcpUrl(route.upstream)}/`;
  return [
    "    ProxyPreserveHost On",
    `    ProxyPass / ${quote(target)} upgrade=websocket connectiontimeout=${route.connectTimeoutS} timeout=${route.readTimeoutS}`,
    `    ProxyPassReverse / ${quote(target)}`,
    `    RequestHeader set X-Forwarded-Proto "${scheme}"`,
  ];
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
