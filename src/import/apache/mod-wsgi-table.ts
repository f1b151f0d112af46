/**
 * mod_wsgi → tsgi, in one table for both directions: the Apache importer maps each
 * `WSGIDaemonProcess` option through `mapping`, and `scripts/gen-wsgi-table.ts` writes the same rows
 * into `docs/wsgi.md` (a test fails when the docs are stale). A new row is documented and imported
 * at once; an option the importer does not know is "not in tsgi's table", never silently dropped.
 */

/** What the importer does with an option's value. */
export type DaemonMapping =
  | { readonly type: "name" }
  | { readonly type: "count"; readonly key: "processes" | "threads" }
  /** `user=` → `user:`, `group=` → `group:`. */
  | { readonly type: "account" }
  | { readonly type: "python-home" }
  | { readonly type: "python-path" }
  | { readonly type: "home" }
  /** An option of gunicorn's own, passed in `GUNICORN_CMD_ARGS`. */
  | { readonly type: "gunicorn"; readonly flag: string }
  /** Seconds added into `stopTimeout` (graceful-timeout + shutdown-timeout). */
  | { readonly type: "stop-timeout" }
  | { readonly type: "start-timeout" }
  /** An environment variable per option name (`lang=` → `LANG`). */
  | { readonly type: "env"; readonly names: Readonly<Record<string, string>> }
  /** Bytes → `maxMemory`. */
  | { readonly type: "memory" }
  /** No equivalent: a comment and a warning, the row's notes saying why. */
  | { readonly type: "none" };

export interface DaemonOption {
  /** The option names this row covers (`graceful-timeout`). */
  readonly options: readonly string[];
  /** The first column as the docs show it. */
  readonly mod_wsgi: string;
  readonly tsgi: string;
  readonly notes: string;
  readonly mapping: DaemonMapping;
}

export const DAEMON_OPTIONS: readonly DaemonOption[] = [
  {
    options: [],
    mod_wsgi: "*name*",
    tsgi: "the site's key under `sites:`",
    notes: "`[a-z0-9][a-z0-9_-]*`. It is also gunicorn's `--name` and the log prefix.",
    mapping: { type: "name" },
  },
  {
    options: ["processes"],
    mod_wsgi: "`processes=N`",
    tsgi: "`processes: N`",
    notes: "N gunicorn masters with one worker each (see above). mod_wsgi's default is 1, and so is tsgi's.",
    mapping: { type: "count", key: "processes" },
  },
  {
    options: ["threads"],
    mod_wsgi: "`threads=N`",
    tsgi: "`threads: N`",
    notes: "mod_wsgi's default is **15**; tsgi's is 1 (the sync worker). Set it explicitly when you move.",
    mapping: { type: "count", key: "threads" },
  },
  {
    options: ["user", "group"],
    mod_wsgi: "`user=` / `group=`",
    tsgi: "`user:` / `group:`",
    notes: "The supervisor must run as root for these.",
    mapping: { type: "account" },
  },
  {
    options: ["supplementary-groups"],
    mod_wsgi: "`supplementary-groups=`",
    tsgi: "—",
    notes: "The site runs with its primary group only. Give the user's primary group the access it needs.",
    mapping: { type: "none" },
  },
  {
    options: ["python-home"],
    mod_wsgi: "`python-home=/venv`",
    tsgi: "`python: /venv/bin/python`",
    notes: "The virtualenv's interpreter. gunicorn must be installed in it.",
    mapping: { type: "python-home" },
  },
  {
    options: ["python-path"],
    mod_wsgi: "`python-path=a:b`",
    tsgi: '`cwd:` for the project folder; `env: {PYTHONPATH: "a:b"}` for the rest',
    notes: "`PYTHONPATH` does not process `.pth` files the way `site.addsitedir()` does. Packages that need that belong in the virtualenv.",
    mapping: { type: "python-path" },
  },
  {
    options: ["home"],
    mod_wsgi: "`home=dir`",
    tsgi: "`cwd: dir`",
    notes: "`cwd` is also where `wsgi:` is imported from.",
    mapping: { type: "home" },
  },
  {
    options: ["display-name"],
    mod_wsgi: "`display-name=`",
    tsgi: "—",
    notes:
      "gunicorn gets `--name SITE` and titles its processes (`gunicorn: master [shop]`) only when the `setproctitle` package is importable (`pip install setproctitle`, Debian `python3-setproctitle`). `tsgi-supervise status` lists every site's pids.",
    mapping: { type: "none" },
  },
  {
    options: ["maximum-requests"],
    mod_wsgi: "`maximum-requests=N`",
    tsgi: '`env: {GUNICORN_CMD_ARGS: "--max-requests N --max-requests-jitter J"}`',
    notes:
      "gunicorn replaces its worker after the current request. The master keeps the socket and nothing is refused; tsgi does not count it as a restart. For memory growth, `maxMemory: 512MB` is the tsgi way: a graceful reload of the site.",
    mapping: { type: "gunicorn", flag: "--max-requests" },
  },
  {
    options: ["graceful-timeout"],
    mod_wsgi: "`graceful-timeout=S`",
    tsgi: "`stopTimeout`",
    notes:
      "In tsgi, the old generation stops accepting at once (the new one has the socket), and in-flight requests get `stopTimeout` to finish.",
    mapping: { type: "stop-timeout" },
  },
  {
    options: ["shutdown-timeout"],
    mod_wsgi: "`shutdown-timeout=S`",
    tsgi: "`stopTimeout`",
    notes: "One knob for both: after `stopSignal`, the group has `stopTimeout` before SIGKILL. Use graceful-timeout + shutdown-timeout.",
    mapping: { type: "stop-timeout" },
  },
  {
    options: ["restart-interval"],
    mod_wsgi: "`restart-interval=S`",
    tsgi: "—",
    notes: "Schedule `tsgi-supervise reload NAME` from cron or a systemd timer. The reload is graceful.",
    mapping: { type: "none" },
  },
  {
    options: ["inactivity-timeout"],
    mod_wsgi: "`inactivity-timeout=S`",
    tsgi: "—",
    notes: "Processes stay up. `maxMemory` reclaims memory from a process that grew.",
    mapping: { type: "none" },
  },
  {
    options: ["request-timeout"],
    mod_wsgi: "`request-timeout=S`",
    tsgi: '`GUNICORN_CMD_ARGS: "--timeout S"`',
    notes:
      "With the sync worker (`threads: 1`), gunicorn kills and replaces a worker stuck on a request for S seconds. With threads, `--timeout` only checks that the worker is alive. Use application-level timeouts.",
    mapping: { type: "gunicorn", flag: "--timeout" },
  },
  {
    options: ["startup-timeout"],
    mod_wsgi: "`startup-timeout=S`",
    tsgi: "`startTimeout`",
    notes: "Time for a new process to become ready, else the start (or the reload) failed.",
    mapping: { type: "start-timeout" },
  },
  {
    options: ["deadlock-timeout"],
    mod_wsgi: "`deadlock-timeout=S`",
    tsgi: "—",
    notes: "No GIL watchdog. With the sync worker, gunicorn's `--timeout` catches a worker that stopped responding.",
    mapping: { type: "none" },
  },
  {
    options: ["lang", "locale"],
    mod_wsgi: "`lang=` / `locale=`",
    tsgi: "`env: {LANG: …, LC_ALL: …}`",
    notes: "`LANG` and `LC_*` are inherited from the supervisor by default.",
    mapping: { type: "env", names: { lang: "LANG", locale: "LC_ALL" } },
  },
  {
    options: ["umask"],
    mod_wsgi: "`umask=0nnn`",
    tsgi: "—",
    notes: "Sites inherit the supervisor's umask. Set it where the supervisor starts (systemd `UMask=`).",
    mapping: { type: "none" },
  },
  {
    options: ["listen-backlog"],
    mod_wsgi: "`listen-backlog=N`",
    tsgi: '`GUNICORN_CMD_ARGS: "--backlog N"`',
    notes: "gunicorn calls `listen()` on the inherited socket with its backlog (default 2048).",
    mapping: { type: "gunicorn", flag: "--backlog" },
  },
  {
    options: ["queue-timeout", "connect-timeout", "socket-timeout"],
    mod_wsgi: "`queue-timeout=`, `connect-timeout=`, `socket-timeout=`",
    tsgi: "—",
    notes: "These belong to the Apache↔daemon hop. Set `ProxyTimeout` / `ProxyPass … timeout=` in the front server.",
    mapping: { type: "none" },
  },
  {
    options: ["memory-limit", "virtual-memory-limit"],
    mod_wsgi: "`memory-limit=`, `virtual-memory-limit=`",
    tsgi: "`maxMemory:`",
    notes: "Measured as resident size. The process is replaced gracefully, not killed mid-request.",
    mapping: { type: "memory" },
  },
  {
    options: [
      "cpu-time-limit",
      "cpu-priority",
      "stack-size",
      "chroot",
      "script-user",
      "script-group",
      "socket-user",
      "send-buffer-size",
      "receive-buffer-size",
      "header-buffer-size",
      "response-buffer-size",
      "proxy-buffer-size",
    ],
    mod_wsgi: "`cpu-time-limit=`, `cpu-priority=`, `stack-size=`, `chroot=`, `script-user=`, `script-group=`, `socket-user=`, buffer sizes",
    tsgi: "—",
    notes:
      "No equivalent. Set a process priority where the supervisor starts. For a unix socket's owner, run the supervisor (or `user:`) as the account that should own it.",
    mapping: { type: "none" },
  },
];

/** The row for an option name, if tsgi's table has it. */
export function daemonOption(name: string): DaemonOption | undefined {
  return DAEMON_OPTIONS.find((row) => row.options.includes(name));
}

/** The Apache directives the importer reads, each with what it becomes. */
export type WsgiDirective =
  | "WSGIProcessGroup"
  | "WSGIApplicationGroup"
  | "WSGIScriptAlias"
  | "SetEnv"
  | "WSGIPythonHome"
  | "WSGIPythonPath"
  | "WSGIPassAuthorization"
  | "WSGIRestrictEmbedded";

export interface DirectiveRow {
  readonly directive: WsgiDirective | undefined;
  readonly mod_wsgi: string;
  readonly tsgi: string;
}

export const DIRECTIVES: readonly DirectiveRow[] = [
  {
    directive: "WSGIProcessGroup",
    mod_wsgi: "`WSGIProcessGroup shop`",
    tsgi: "Nothing to write: every site is its own group of processes. Routing requests to a group becomes the front server's `ProxyPass` to the site's `listen:` address.",
  },
  {
    directive: "WSGIApplicationGroup",
    mod_wsgi: "`WSGIApplicationGroup %{GLOBAL}`",
    tsgi: "Nothing to write: each gunicorn worker runs the application in the main interpreter, which is what `%{GLOBAL}` asks for.",
  },
  {
    directive: "WSGIScriptAlias",
    mod_wsgi: "`WSGIScriptAlias / /srv/shop/src/shop/wsgi.py`",
    tsgi: "`wsgi: shop.wsgi:application` with `cwd: /srv/shop/src`. The target must be importable as a module: a `django.wsgi` or `app.wsgi` file needs a `.py` copy or a small module that imports it.",
  },
  {
    directive: undefined,
    mod_wsgi: "`WSGIScriptAlias /shop …` (mounted below `/`)",
    tsgi: "Proxy the full path (`ProxyPass /shop http://127.0.0.1:8101/shop`) and set `env: {SCRIPT_NAME: /shop}`. gunicorn takes `SCRIPT_NAME` from its environment and strips it from `PATH_INFO`.",
  },
  {
    directive: "SetEnv",
    mod_wsgi: "`SetEnv NAME value`",
    tsgi: "`env: {NAME: value}`, or `envFile:`. Unlike `SetEnv`, which only adds to the per-request WSGI `environ`, these are real environment variables, visible to `os.environ` at import time. `SetEnv DJANGO_SETTINGS_MODULE` is `settings:`.",
  },
  {
    directive: "WSGIPythonHome",
    mod_wsgi: "`WSGIPythonHome` / `WSGIPythonPath` (server-wide)",
    tsgi: "`defaults: {python: …, env: {PYTHONPATH: …}}`",
  },
  {
    directive: "WSGIPassAuthorization",
    mod_wsgi: "`WSGIPassAuthorization On`",
    tsgi: "Nothing to write: gunicorn passes `Authorization` as `HTTP_AUTHORIZATION`.",
  },
  {
    directive: "WSGIRestrictEmbedded",
    mod_wsgi: "`WSGIRestrictEmbedded On`",
    tsgi: "Nothing to write: there is no embedded mode.",
  },
  {
    directive: undefined,
    mod_wsgi: "Touching `wsgi.py` to reload the daemon",
    tsgi: "`tsgi-supervise reload shop`: graceful, and a failed import keeps the old generation. In development, `--watch` reloads on every save.",
  },
];

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** The two tables of `docs/wsgi.md`, as Markdown. */
export function renderDaemonTable(): string {
  return [
    "| mod_wsgi | tsgi | notes |",
    "|---|---|---|",
    ...DAEMON_OPTIONS.map((row) => `| ${cell(row.mod_wsgi)} | ${cell(row.tsgi)} | ${cell(row.notes)} |`),
  ].join("\n");
}

export function renderDirectiveTable(): string {
  return ["| mod_wsgi | tsgi |", "|---|---|", ...DIRECTIVES.map((row) => `| ${cell(row.mod_wsgi)} | ${cell(row.tsgi)} |`)].join("\n");
}
