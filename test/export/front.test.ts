/**
 * The front-server exports without a server: which sites get a route and which a warning, the
 * timeouts taken from startTimeout/stopTimeout, addresses as each server spells them, TLS lines
 * only with --tls-dir, no secret value anywhere, and the command's usage errors.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exportFront, parseFrontArgs } from "../../src/cli/export-front.js";
import { exportCommand } from "../../src/cli/export.js";
import { renderApache } from "../../src/export/apache.js";
import { renderCaddy } from "../../src/export/caddy.js";
import { frontRoutes, type FrontOptions } from "../../src/export/front-routes.js";
import { renderNginx } from "../../src/export/nginx.js";
import { capture, config, FIXTURE, site } from "./helpers.js";

const SITES = [
  site({
    name: "shop",
    kind: { type: "wsgi", target: "shop.wsgi:application", python: "python3", threads: 1, server: "gunicorn", middleware: [] },
    listen: { type: "tcp", host: "0.0.0.0", port: 8101 },
    hosts: ["shop.example.com", "www.shop.example.com"],
    startTimeoutMs: 45_000,
    stopTimeoutMs: 30_000,
    env: { SECRET_KEY: "never-in-output-1", DATABASE_URL: "postgres://app:never-in-output-2@db/app" },
  }),
  site({ name: "blog", listen: { type: "unix", path: "/run/tsgi/blog.sock" }, hosts: ["*.blog.example.com"] }),
  site({ name: "v6", listen: { type: "tcp", host: "::", port: 8103 }, hosts: ["v6.example.com"], startTimeoutMs: 200_000 }),
  site({ name: "worker", hosts: ["worker.example.com"] }),
  site({ name: "internal", listen: { type: "tcp", host: "127.0.0.1", port: 8104 } }),
];
const OPTIONS: FrontOptions = { listen: "80", tlsListen: "443", tlsDir: undefined, configFile: "/srv/app/sites.yaml" };

describe("front routes", () => {
  it("routes sites with hosts and listen; warns for the others; timeouts from the site's policies", () => {
    const plan = frontRoutes(SITES, undefined);
    assert.deepEqual(
      plan.routes.map((r) => [r.site, r.upstream, r.connectTimeoutS, r.readTimeoutS]),
      [
        ["shop", { type: "tcp", host: "127.0.0.1", port: 8101 }, 45, 75],
        ["blog", { type: "unix", path: "/run/tsgi/blog.sock" }, 30, 60],
        ["v6", { type: "tcp", host: "[::1]", port: 8103 }, 75, 210],
      ],
    );
    assert.deepEqual(
      plan.warnings.map((w) => [w.site, w.key]),
      [
        ["worker", "listen"],
        ["internal", "hosts"],
      ],
    );
  });

  it("each server spells the addresses its way; nothing secret, no TLS without --tls-dir", () => {
    const { routes } = frontRoutes(SITES, undefined);
    const nginx = renderNginx(routes, OPTIONS);
    assert.match(nginx, /server_name shop\.example\.com www\.shop\.example\.com;\n/);
    assert.match(nginx, /proxy_pass http:\/\/127\.0\.0\.1:8101;/);
    assert.match(nginx, /proxy_pass "http:\/\/unix:\/run\/tsgi\/blog\.sock:";/);
    assert.match(nginx, /proxy_pass http:\/\/\[::1\]:8103;/);
    assert.match(nginx, /proxy_set_header Connection \$tsgi_connection_upgrade;/);
    assert.doesNotMatch(nginx, /ssl|default_server;/);
    const apache = renderApache(routes, OPTIONS);
    assert.match(apache, /ProxyPass \/ "http:\/\/127\.0\.0\.1:8101\/" upgrade=websocket connectiontimeout=45 timeout=75/);
    assert.match(apache, /ProxyPass \/ "unix:\/run\/tsgi\/blog\.sock\|http:\/\/blog\/" upgrade=websocket/);
    assert.match(apache, /ServerName blog\.tsgi\.invalid\n {4}ServerAlias \*\.blog\.example\.com/);
    assert.match(apache, /# shop: replaces its WSGIDaemonProcess shop …, WSGIProcessGroup shop and WSGIScriptAlias lines/);
    assert.doesNotMatch(apache, /SSL|Listen \d/);
    const caddy = renderCaddy(routes, OPTIONS);
    assert.match(caddy, /^http:\/\/shop\.example\.com, http:\/\/www\.shop\.example\.com \{$/m);
    assert.match(caddy, /reverse_proxy unix\/\/run\/tsgi\/blog\.sock \{/);
    assert.doesNotMatch(caddy, /\ttls |https:/);
    for (const text of [nginx, apache, caddy]) {
      assert.doesNotMatch(text, /never-in-output|SECRET_KEY|DATABASE_URL|worker|internal/);
    }
  });

  it("--tls-dir: certbot's layout per site, HTTP redirected to HTTPS", () => {
    const { routes } = frontRoutes(SITES, "/etc/letsencrypt/live");
    const options = { ...OPTIONS, tlsDir: "/etc/letsencrypt/live", listen: "127.0.0.1:8080", tlsListen: "127.0.0.1:8443" };
    const nginx = renderNginx(routes, options);
    assert.match(nginx, /listen 127\.0\.0\.1:8443 ssl;/);
    assert.match(nginx, /ssl_certificate "\/etc\/letsencrypt\/live\/shop\.example\.com\/fullchain\.pem";/);
    assert.match(nginx, /ssl_certificate_key "\/etc\/letsencrypt\/live\/blog\.example\.com\/privkey\.pem";/);
    assert.match(nginx, /return 301 https:\/\/\$host:8443\$request_uri;/);
    const apache = renderApache(routes, options);
    assert.match(apache, /<VirtualHost \*:8443>\n(.*\n){1,3} {4}SSLEngine on/);
    assert.match(apache, /RequestHeader set X-Forwarded-Proto "https"/);
    assert.match(apache, /Redirect permanent "https:\/\/%\{SERVER_NAME\}:8443%\{REQUEST_URI\}"/);
    assert.match(apache, /Error "tsgi export: Apache needs mod_ssl: run a2enmod ssl"/);
    const caddy = renderCaddy(routes, options);
    assert.match(caddy, /^https:\/\/shop\.example\.com:8443, https:\/\/www\.shop\.example\.com:8443 \{\n\tbind 127\.0\.0\.1\n\ttls /m);
  });
});

describe("export nginx|apache|caddy: the command", () => {
  it("usage errors exit 2; no site to route exits 1 with one sentence", async () => {
    assert.match((parseFrontArgs(["--listen", "http://x"]) as { message: string }).message, /--listen takes a port or HOST:PORT/);
    assert.match((parseFrontArgs(["--tls-listen", "70000"]) as { message: string }).message, /--tls-listen takes/);
    const out = capture();
    const err = capture();
    assert.equal(await exportCommand("nginx", FIXTURE, ["--listen", "no"], { out: out.stream, err: err.stream }), 2);
    const none = capture();
    const args = { out: undefined, only: undefined, tlsDir: undefined, listen: "80", tlsListen: "443" };
    const internal = SITES.filter((s) => s.name === "internal");
    const code = await exportFront("caddy", config(internal), internal, args, { out: capture().stream, err: none.stream });
    assert.equal(code, 1);
    assert.match(none.text(), /no site of \/srv\/app\/sites\.yaml has both `hosts:` and `listen:`; nothing to export/);
  });
});
