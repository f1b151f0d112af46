/**
 * `export nginx`: one `server` block per route, for the `http {}` context (Debian:
 * `/etc/nginx/conf.d/tsgi.conf`, or a file in `sites-enabled/`).
 *
 * The WebSocket `map` has a name of tsgi's own: the usual `$connection_upgrade` is often defined
 * already, and a second `map` of one variable fails `nginx -t`. No `default_server` is written: a
 * host already has one (Debian's `sites-enabled/default`), and two fail `nginx -t`; unknown names
 * go to it, never to a site here.
 */
import { header, portOf, tcpUrl, type FrontOptions, type FrontRoute } from "./front-routes.js";

export const NGINX_RELOAD = "sudo nginx -t && sudo systemctl reload nginx";

export function renderNginx(routes: readonly FrontRoute[], options: FrontOptions): string {
  const lines = [
    ...header("nginx", options, routes, NGINX_RELOAD),
    "# Include it in nginx's http {} context; unknown host names go to nginx's default_server.",
    "",
    "map $http_upgrade $tsgi_connection_upgrade {",
    "    default upgrade;",
    "    ''      close;",
    "}",
  ];
  for (const route of routes) lines.push("", ...server(route, options));
  return `${lines.join("\n")}\n`;
}

function server(route: FrontRoute, options: FrontOptions): string[] {
  const names = `    server_name ${route.hosts.join(" ")};`;
  const comment = `# ${route.site} → ${route.upstream.type === "unix" ? `unix:${route.upstream.path}` : tcpUrl(route.upstream)}`;
  if (route.tls === undefined) {
    return [comment, "server {", `    listen ${options.listen};`, names, "", ...location(route), "}"];
  }
  const https = portOf(options.tlsListen) === "443" ? "https://$host" : `https://$host:${portOf(options.tlsListen)}`;
  return [
    comment,
    "server {",
    `    listen ${options.listen};`,
    names,
    `    return 301 ${https}$request_uri;`,
    "}",
    "server {",
    `    listen ${options.tlsListen} ssl;`,
    names,
    `    ssl_certificate ${quote(route.tls.certificate)};`,
    `    ssl_certificate_key ${quote(route.tls.key)};`,
    "",
    ...location(route),
    "}",
  ];
}

function location(route: FrontRoute): string[] {
  const target = route.upstream.type === "unix" ? quote(`http://unix:${route.upstream.path}:`) : tcpUrl(route.upstream);
  return [
    "    location / {",
    `        proxy_pass ${target};`,
    "        proxy_http_version 1.1;",
    // $http_host is the Host as the client sent it, port included.
    "        proxy_set_header Host $http_host;",
    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "        proxy_set_header X-Forwarded-Proto $scheme;",
    "        proxy_set_header X-Forwarded-Host $http_host;",
    "        proxy_set_header Upgrade $http_upgrade;",
    "        proxy_set_header Connection $tsgi_connection_upgrade;",
    `        proxy_connect_timeout ${route.connectTimeoutS}s;`,
    `        proxy_read_timeout ${route.readTimeoutS}s;`,
    `        proxy_send_timeout ${route.readTimeoutS}s;`,
    "    }",
  ];
}

/** A quoted nginx string: paths may hold spaces or `;`. */
function quote(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
