/**
 * `tsgi-supervise init [sites.yaml]`: write a commented `sites.yaml` to start from.
 *
 * The active part is a site that works on any machine with Python; the `wsgi` and `app`
 * examples are comments to uncomment. Never overwrites: the file is opened with `wx`.
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";

export const TEMPLATE = `# sites.yaml — the sites tsgi-supervise runs, each in its own process group with its own
# settings and environment. Check it with:  tsgi-supervise check sites.yaml
# Run it with:                              tsgi-supervise sites.yaml   (add --watch while developing)
# Editor completion: schema at node_modules/tsgi/schema/sites.schema.json
version: 1

supervisor:
  # control: .tsgi/control.sock   # control socket (mode 0600); paths are relative to this file
  # logs: .tsgi/logs              # one rotated log file per site; false = console only
  # logMaxSize: 10MB              # rotate at this size…
  # logKeep: 5                    # …keeping this many old files

defaults:                         # any site key; a site's own value wins, env maps merge
  restart: on-failure             # always | on-failure | never
  # stopTimeout: 10s              # after the stop signal, SIGKILL to the whole process group
  # env:
  #   TZ: UTC

sites:                            # names: lowercase letters, digits, - and _
  # A Django (or any WSGI) site, served by gunicorn on the socket tsgi binds for it:
  # blog:
  #   wsgi: blog.wsgi:application   # module:callable
  #   cwd: sites/blog               # relative to this file
  #   python: .venv/bin/python      # relative to cwd: the virtualenv with gunicorn and Django
  #   settings: blog.settings.prod  # becomes DJANGO_SETTINGS_MODULE for this site only
  #   listen: 127.0.0.1:8001        # HOST:PORT, PORT, or unix:PATH
  #   processes: 2
  #   hosts: [blog.example.com]     # names for \`tsgi-supervise export nginx|apache|caddy\`
  #   wsgiServer: gunicorn          # or uwsgi (Debian: uwsgi-core, uwsgi-plugin-python3)
  #   envFile: .env                 # relative to cwd
  #   env:
  #     SECRET_KEY: \${BLOG_SECRET_KEY}   # from the supervisor's environment

  # A TSGI app: a JS/TS module exporting \`application\` (a fetch handler or a Node handler):
  # api:
  #   app: ./server.ts              # relative to cwd (by default, this file's folder)
  #   settings: api.settings        # becomes TSGI_SETTINGS_MODULE
  #   listen: 127.0.0.1:8002
  #   watch: [src]                  # hot reload when these change

  # Any program. An argv list, or a string split like a shell would (no shell runs it):
  files:
    command: [python3, -u, -m, http.server, "8000", --bind, 127.0.0.1]
    ready: {log: "Serving HTTP"}    # or {http: /health} with listen:, or {delay: 1s}
    # maxRestarts: {count: 10, within: 60s}
    # backoff: {initial: 100ms, max: 30s}
`;

export async function initCommand(target: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let file = resolve(target === "" ? "sites.yaml" : target);
  const existing = await stat(file).catch(() => undefined);
  if (existing?.isDirectory()) file = join(file, "sites.yaml");
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, TEMPLATE, { flag: "wx", mode: 0o644 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    err.write(
      code === "EEXIST"
        ? `tsgi-supervise init: ${file} already exists; not overwriting it (remove it first, or name another file)\n`
        : `tsgi-supervise init: cannot write ${file}: ${code ?? String(error)}\n`,
    );
    return 2;
  }
  const shown = relative(process.cwd(), file);
  out.write(`wrote ${file}\ncheck it with: tsgi-supervise check ${shown.startsWith("..") ? file : shown}\n`);
  return 0;
}
