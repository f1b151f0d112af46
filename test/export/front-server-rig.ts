/**
 * Private, unprivileged instances of Debian's nginx, Apache and Caddy for the export tests: each
 * in a temp folder of its own, on a loopback port, with a main config that includes the exported
 * file beside a default virtual host of its own (as Debian's `sites-enabled/default` and
 * `000-default.conf` are), and stopped by pid.
 *
 * Run as root (as here), a server is started through `setpriv` as `nobody` with the supplementary
 * group of the sites' unix sockets — what docs/wsgi.md tells users to do for Apache's user.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const DEFAULT_BODY = "front default";
const MODULES = "/usr/lib/apache2/modules";
const NOBODY = 65534;

export interface Check {
  readonly code: number;
  readonly output: string;
}

/** A server's own check (`nginx -t`, `apache2 -t`, `caddy validate`), unprivileged. */
export function runCheck(argv: readonly string[], env: NodeJS.ProcessEnv = {}, socketGroup?: number): Check {
  const [file = "", ...args] = unprivileged(argv, socketGroup);
  const result = spawnSync(file, args, { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "", ...env }, timeout: 30_000 });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}${result.error?.message ?? ""}` };
}

function unprivileged(argv: readonly string[], socketGroup = 0): readonly string[] {
  if (process.getuid?.() !== 0) return argv;
  return ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, `--groups=${socketGroup}`, "--", ...argv];
}

/** A folder `nobody` can write (the front server's logs, pid file, temp files). */
export function openDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o777);
  return dir;
}

/** The main nginx.conf: a default server answering DEFAULT_BODY, then the export. */
export function nginxMain(dir: string, port: number, exported: string): string {
  const file = path.join(dir, "nginx.conf");
  fs.writeFileSync(
    file,
    `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    server {
        listen 127.0.0.1:${port} default_server;
        return 404 "${DEFAULT_BODY}";
    }
    include ${exported};
}
`,
  );
  return file;
}

export function nginxArgv(dir: string, conf: string, test = false): string[] {
  return ["nginx", "-p", dir, "-e", `${dir}/error.log`, "-c", conf, ...(test ? ["-t"] : [])];
}

/** httpd.conf for a private ServerRoot: the modules the export needs, a default vhost, the export. */
export function apacheMain(dir: string, port: number, exported: string, tlsPort?: number): string {
  const file = path.join(dir, "httpd.conf");
  const load = (id: string, name: string) => `LoadModule ${id}_module ${MODULES}/mod_${name}.so`;
  fs.writeFileSync(
    file,
    [
      `ServerRoot "${dir}"`,
      `DefaultRuntimeDir "${dir}"`,
      `PidFile "${dir}/httpd.pid"`,
      `ErrorLog "${dir}/error.log"`,
      `Mutex file:${dir} default`,
      "ServerName localhost",
      load("mpm_event", "mpm_event"),
      load("authz_core", "authz_core"),
      load("alias", "alias"),
      load("proxy", "proxy"),
      load("proxy_http", "proxy_http"),
      load("headers", "headers"),
      ...(tlsPort === undefined ? [] : [load("ssl", "ssl"), `Listen 127.0.0.1:${tlsPort}`]),
      "StartServers 1",
      "ServerLimit 1",
      "ThreadsPerChild 8",
      "MaxRequestWorkers 8",
      `Listen 127.0.0.1:${port}`,
      `<VirtualHost *:${port}>`,
      "    ServerName default.invalid",
      `    ErrorDocument 404 "${DEFAULT_BODY}"`,
      "</VirtualHost>",
      `Include "${exported}"`,
      "",
    ].join("\n"),
  );
  return file;
}

export function apacheArgv(dir: string, conf: string, test = false): string[] {
  return ["/usr/sbin/apache2", "-d", dir, "-f", conf, ...(test ? ["-t"] : ["-DFOREGROUND"])];
}

export class FrontServer {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  #output = "";
  #gone = false;

  constructor(argv: readonly string[], socketGroup: number) {
    const [file = "", ...args] = unprivileged(argv, socketGroup);
    this.child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env["PATH"] ?? "" } });
    for (const stream of [this.child.stdout, this.child.stderr]) stream?.setEncoding("utf8").on("data", (c: string) => (this.#output += c));
    this.exited = new Promise((resolve) =>
      this.child.on("exit", () => {
        this.#gone = true;
        resolve();
      }),
    );
  }

  output(): string {
    return this.#output;
  }

  get gone(): boolean {
    return this.#gone;
  }

  /** SIGTERM to the master we started (it stops its own workers), SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (this.#gone || this.child.pid === undefined) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
