/**
 * Every key of `sites.yaml`: its type, default and meaning, in one table.
 *
 * The validator walks these specs, `scripts/gen-schema.ts` turns them into
 * `schema/sites.schema.json` and `docs/sites-yaml.md`, and a test keeps all three equal — so
 * a key cannot be accepted without being documented, or documented without being accepted.
 */
import { ENV_GLOB_PATTERN, ENV_NAME_PATTERN } from "../env/build-env.js";

export type KindName = "command" | "wsgi" | "app" | "asgi";
export const KIND_KEYS: readonly KindName[] = ["wsgi", "app", "command", "asgi"];

export type TypeSpec =
  /**
   * `scalars`: numbers and booleans are taken as written (`[sleep, 10]`).
   * `allowEmpty`: `""` is a value (an environment variable may be empty).
   */
  | {
      readonly type: "string";
      readonly pattern?: string;
      readonly patternHelp?: string;
      readonly scalars?: true;
      readonly allowEmpty?: true;
    }
  | { readonly type: "integer"; readonly min: number; readonly max?: number }
  | { readonly type: "boolean" }
  | { readonly type: "const"; readonly value: number }
  | { readonly type: "enum"; readonly values: readonly string[] }
  /** → milliseconds */
  | { readonly type: "duration" }
  /** → bytes */
  | { readonly type: "size" }
  /** → `SIGTERM` */
  | { readonly type: "signal" }
  /** → `{type: "tcp", host, port}` | `{type: "unix", path}` (path as written) */
  | { readonly type: "listen" }
  /** A command line split like a shell would, refusing what only a shell could do. → argv */
  | { readonly type: "shell-words" }
  /** A JavaScript regular expression, compiled to check it. */
  | { readonly type: "regex" }
  /** A host name as a `Host` header carries it (`config/hosts.ts`). → lowercased */
  | { readonly type: "host" }
  | { readonly type: "list"; readonly items: TypeSpec; readonly minItems?: number }
  | { readonly type: "map"; readonly values: TypeSpec; readonly keyPattern: string; readonly keyHelp: string }
  /** `exactlyOne`: one key and only one (`ready: {log: …}`). */
  | { readonly type: "object"; readonly keys: KeyTable; readonly exactlyOne?: true; readonly example?: string }
  | { readonly type: "anyOf"; readonly options: readonly TypeSpec[] };

export interface KeySpec {
  readonly type: TypeSpec;
  readonly description: string;
  /** The default as the docs show it; absent for keys without one. */
  readonly default?: string;
  /** Only for sites of these kinds. */
  readonly only?: readonly KindName[];
  /** Meaningless in `defaults` (what a site runs, where it listens). */
  readonly notInDefaults?: true;
  readonly required?: true;
}

export type KeyTable = Readonly<Record<string, KeySpec>>;

export const SITE_NAME_PATTERN = "^[a-z0-9][a-z0-9_-]*$";
export const SITE_NAME_MAX = 63;
const WSGI_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*(\\(.*\\))?$";

const str: TypeSpec = { type: "string" };
const strings: TypeSpec = { type: "list", items: str };
const duration: TypeSpec = { type: "duration" };

export const SITE_KEYS = {
  command: {
    type: {
      type: "anyOf",
      options: [{ type: "shell-words" }, { type: "list", items: { type: "string", scalars: true }, minItems: 1 }],
    },
    description:
      "Any program: an argv list, or a string split like a shell would (no shell runs it: pipes, redirections, globs and `$VAR` are refused).",
    notInDefaults: true,
  },
  wsgi: {
    type: { type: "string", pattern: WSGI_PATTERN, patternHelp: "`module.path:callable`, e.g. `mysite.wsgi:application`" },
    description: "`module:callable` of a WSGI application, served by gunicorn on the site's socket.",
    notInDefaults: true,
  },
  app: {
    type: str,
    description: "A JS/TS module exporting a TSGI application, served by tsgi's own worker; relative to `cwd`.",
    notInDefaults: true,
  },
  asgi: {
    type: { type: "string", pattern: WSGI_PATTERN, patternHelp: "`module.path:callable`, e.g. `mysite.asgi:application`" },
    description: "`module:callable` of an ASGI application, served by `asgiServer` (uvicorn) on the site's socket.",
    notInDefaults: true,
  },
  asgiServer: {
    type: { type: "enum", values: ["uvicorn", "hypercorn", "daphne", "gunicorn"] },
    description: "The ASGI server: `uvicorn`, `hypercorn`, `daphne`, or `gunicorn` with uvicorn's worker class.",
    default: "`uvicorn`",
    only: ["asgi"],
  },
  cwd: { type: str, description: "Working directory, relative to the file's folder.", default: "the file's folder" },
  settings: {
    type: str,
    description: "The site's settings module, put in the settings variable (dotted for `wsgi` and `app`).",
    default: "none",
  },
  settingsVar: {
    type: { type: "string", pattern: ENV_NAME_PATTERN, patternHelp: "an environment variable name" },
    description: "Name of the settings variable.",
    default: "`DJANGO_SETTINGS_MODULE` for `wsgi`, else `TSGI_SETTINGS_MODULE`",
  },
  env: {
    type: {
      type: "map",
      values: { type: "string", allowEmpty: true },
      keyPattern: ENV_NAME_PATTERN,
      keyHelp: "an environment variable name",
    },
    description:
      "Extra variables, strings; `${VAR}`, `${VAR:-default}` expand from the supervisor's environment (`$${` is a literal `${`). A site's `env` is merged over `defaults.env`, name by name.",
    default: "`{}`",
  },
  envFile: {
    type: { type: "anyOf", options: [str, strings] },
    description: "dotenv file(s), relative to `cwd`; later files win. Values are taken literally.",
    default: "none",
  },
  inheritEnv: {
    type: {
      type: "anyOf",
      options: [
        { type: "boolean" },
        { type: "list", items: { type: "string", pattern: ENV_GLOB_PATTERN, patternHelp: "a name or a glob like `LC_*`" } },
      ],
    },
    description:
      "Which of the supervisor's variables a site receives: a list of names (globs like `LC_*`), `true` for all, `false` for none. Settings variables are never inherited.",
    default: "`[PATH, HOME, USER, LANG, LC_*, TZ, TMPDIR]`",
  },
  listen: {
    type: { type: "listen" },
    description:
      "`HOST:PORT`, `[::1]:PORT`, `PORT` (on 127.0.0.1) or `unix:PATH` (relative to the file's folder): the supervisor binds it and hands it to every process as fd 3. Required for `wsgi` and `app`.",
    default: "none",
    notInDefaults: true,
  },
  processes: {
    type: {
      type: "anyOf",
      options: [
        { type: "integer", min: 1, max: 256 },
        {
          type: "object",
          keys: {
            min: {
              type: { type: "integer", min: 0, max: 256 },
              description: "Processes that always run; `0` = none until the first connection (the site is `idle`).",
              default: "`0`",
            },
            max: {
              type: { type: "integer", min: 1, max: 256 },
              description: "Most processes: one is added at a time while connections wait in the accept queue.",
              default: "`max(min, 1)`",
            },
            idle: {
              type: duration,
              description: "A process beyond `min` that served no connection for this long is stopped gracefully.",
              default: "`10m`",
            },
          },
          example: "{min: 0, max: 4, idle: 10m}",
        },
      ],
    },
    description:
      "Processes of the site, all serving the one socket: a fixed count, or `{min, max, idle}` to start on the first connection, add processes while connections wait and stop them when idle (needs `listen`).",
    default: "`1`",
  },
  threads: { type: { type: "integer", min: 1, max: 1024 }, description: "Threads per process.", default: "`1`", only: ["wsgi"] },
  python: {
    type: str,
    description: "Interpreter that runs the server (gunicorn, uvicorn…), e.g. a virtualenv's `bin/python` (a path with `/` is relative to `cwd`).",
    default: "`python3`",
    only: ["wsgi", "asgi"],
  },
  restart: {
    type: { type: "enum", values: ["always", "on-failure", "never"] },
    description: "When to restart a process that exited.",
    default: "`on-failure`",
  },
  backoff: {
    type: {
      type: "object",
      keys: {
        initial: {
          type: duration,
          description: "Delay before the second restart in a row (the first crash after a stable run restarts at once).",
          default: "`100ms`",
        },
        max: { type: duration, description: "Longest delay.", default: "`30s`" },
      },
      example: "{initial: 100ms, max: 30s}",
    },
    description:
      "Restart delays: none for the first crash after a stable run, then `initial`, doubling up to `max`; reset after a stable run (10 s).",
    default: "`{initial: 100ms, max: 30s}`",
  },
  maxRestarts: {
    type: {
      type: "object",
      keys: {
        count: { type: { type: "integer", min: 1 }, description: "Crashes allowed.", default: "`10`" },
        within: { type: duration, description: "The window they are counted in.", default: "`60s`" },
      },
      example: "{count: 10, within: 60s}",
    },
    description: "More crashes than `count` within `within` → state `fatal`, no more restarts.",
    default: "`{count: 10, within: 60s}`",
  },
  startTimeout: { type: duration, description: "Time to become ready, else the start failed.", default: "`30s`" },
  ready: {
    type: {
      type: "object",
      exactlyOne: true,
      keys: {
        http: {
          type: { type: "string", pattern: "^/", patternHelp: "a URL path starting with `/`" },
          description: "Probe this path on the site's `listen` address; any HTTP response means ready.",
        },
        log: { type: { type: "regex" }, description: "A regular expression matched against the site's output." },
        delay: { type: duration, description: "Up this long = ready." },
      },
      example: '{log: "listening on"}',
    },
    description: "`command` sites: how tsgi knows a new process serves (`wsgi` and `app` report it themselves).",
    default: "`{delay: 1s}`",
    only: ["command"],
  },
  middleware: {
    type: strings,
    description:
      "Wrappers of the application, applied in order (the first listed wraps the application). `app`: modules — package names, or paths (starting with `.` or `/`) relative to `cwd`. `wsgi`/`asgi`: dotted paths of callables that take the application and return one (`werkzeug.middleware.proxy_fix.ProxyFix`); `defaults.middleware` applies to `app` sites only.",
    default: "`[]`",
    only: ["app", "wsgi", "asgi"],
  },
  stopSignal: {
    type: { type: "signal" },
    description: "Graceful stop signal (`TERM` or `SIGTERM`).",
    default: "`SIGTERM` (`SIGHUP` for `wsgiServer: uwsgi`: uWSGI's graceful stop, see docs/wsgi.md)",
  },
  stopTimeout: {
    type: duration,
    description: "Time allowed after the stop signal, then SIGKILL to the whole process group.",
    default: "`10s`",
  },
  maxMemory: { type: { type: "size" }, description: "A process over this resident size is replaced gracefully.", default: "none" },
  watch: {
    type: { type: "anyOf", options: [{ type: "boolean" }, strings] },
    description: "Hot reload: `true` (the site's `cwd`) or a list of paths/globs relative to `cwd`.",
    default: "`false` (`true` under `--watch`)",
  },
  watchIgnore: {
    type: strings,
    description:
      "Paths/globs never watched, added to the built-in ones (`.git`, `node_modules`, `__pycache__`, `*.pyc`, virtualenvs, log folders).",
    default: "`[]`",
  },
  user: { type: { type: "string", scalars: true }, description: "Drop to this account (supervisor running as root).", default: "none" },
  group: { type: { type: "string", scalars: true }, description: "Drop to this group (supervisor running as root).", default: "none" },
  autostart: { type: { type: "boolean" }, description: "Start with the supervisor.", default: "`true`" },
  before: {
    type: {
      type: "list",
      items: {
        type: "anyOf",
        options: [
          { type: "shell-words" },
          { type: "list", items: { type: "string", scalars: true }, minItems: 1 },
          {
            type: "object",
            keys: {
              command: {
                type: {
                  type: "anyOf",
                  options: [{ type: "shell-words" }, { type: "list", items: { type: "string", scalars: true }, minItems: 1 }],
                },
                description: "The task: an argv list or a string split like a shell would.",
                required: true,
              },
              timeout: { type: duration, description: "Longest run, then the task is killed and the start fails.", default: "`10m`" },
            },
            example: "{command: [python3, manage.py, migrate, --noinput], timeout: 5m}",
          },
        ],
      },
    },
    description:
      "One-shot tasks run in order, in the site's cwd and environment, before each new generation (start, restart, reload, hot reload; not a crash restart). A failing task fails that start; a reload keeps the old generation serving.",
    default: "`[]`",
  },
  dependsOn: {
    type: { type: "list", items: { type: "string", pattern: SITE_NAME_PATTERN, patternHelp: "a site name" } },
    description: "Sites that must be ready before this one starts; it stops before them. A cycle is an error.",
    default: "`[]`",
  },
  health: {
    type: {
      type: "object",
      keys: {
        http: {
          type: { type: "string", pattern: "^/", patternHelp: "a URL path starting with `/`" },
          description: "Path probed on the site's `listen` address; refused, timed out or 5xx is a failure.",
          required: true,
        },
        every: { type: duration, description: "Time between probes.", default: "`10s`" },
        timeout: { type: duration, description: "Time a probe may take.", default: "`2s`" },
        failures: { type: { type: "integer", min: 1, max: 100 }, description: "Failed probes in a row that replace the processes.", default: "`3`" },
      },
      example: "{http: /health, every: 10s, timeout: 2s, failures: 3}",
    },
    description:
      "Liveness after readiness: after `failures` failed probes in a row the site's processes are replaced gracefully (new first), counted as a restart with reason `unhealthy`.",
    default: "none",
  },
  limits: {
    type: {
      type: "object",
      keys: {
        memory: { type: { type: "size" }, description: "`memory.max` of the site's cgroup: over it, the kernel kills a process of the site." },
        cpu: {
          type: { type: "string", pattern: "^[0-9]+(\\.[0-9]+)?%$", patternHelp: "a percent of one CPU, like `50%` or `200%` (two CPUs)" },
          description: "`cpu.max` of the site's cgroup: the CPU time the whole site may use.",
        },
        pids: { type: { type: "integer", min: 1 }, description: "`pids.max` of the site's cgroup: at most this many processes and threads." },
      },
      example: "{memory: 512MB, cpu: 50%, pids: 512}",
    },
    description:
      "Limits of the site's cgroup (needs cgroup v2: root, or a systemd unit with `Delegate=yes`); where a controller is missing, `check` and the start say so.",
    default: "none",
  },
  hosts: {
    type: { type: "list", items: { type: "host" }, minItems: 1 },
    description:
      "Host names a front server routes to this site (`tsgi-supervise export nginx|apache|caddy`), e.g. `[shop.example.com, www.shop.example.com]`; a leading `*.` is a wildcard. Unique across sites.",
    default: "none",
    notInDefaults: true,
  },
  wsgiServer: {
    type: { type: "enum", values: ["gunicorn", "uwsgi"] },
    description:
      "The server of a `wsgi` site: gunicorn, or uWSGI (Debian `uwsgi-core` and `uwsgi-plugin-python3`); both adopt the site's socket on fd 3.",
    default: "`gunicorn`",
    only: ["wsgi"],
  },
} as const satisfies KeyTable;

export type SiteKey = keyof typeof SITE_KEYS;

export const SUPERVISOR_KEYS = {
  control: { type: str, description: "Control socket (mode 0600), relative to the file's folder.", default: "`.tsgi/control.sock`" },
  logs: {
    type: { type: "anyOf", options: [str, { type: "boolean" }] },
    description: "Folder of one log file per site, relative to the file's folder; `false` = console only.",
    default: "`.tsgi/logs`",
  },
  logMaxSize: {
    type: { type: "size" },
    description:
      "Rotate a site's log file once it reaches this size (`alpha.log` → `alpha.log.1` …); a file ends at a line end, past the size by at most one line.",
    default: "`10MB`",
  },
  logKeep: {
    type: { type: "integer", min: 1, max: 1000 },
    description: "Rotated log files kept per site (`alpha.log.1` … `alpha.log.N`), besides the live one.",
    default: "`5`",
  },
  watchDebounce: { type: duration, description: "Quiet time after a file change before a hot reload.", default: "`100ms`" },
  http: {
    type: {
      type: "object",
      keys: {
        listen: {
          type: { type: "listen" },
          description: "`HOST:PORT` (or `PORT`, on 127.0.0.1) of the dashboard, the control API (`/v1/`) and `/metrics`.",
          required: true,
        },
        token: {
          type: str,
          description: "Every request must carry it (`Authorization: Bearer TOKEN`, or `/?token=TOKEN` once in a browser); use `${VAR}`.",
          required: true,
        },
      },
      example: "{listen: 127.0.0.1:9900, token: \"${TSGI_HTTP_TOKEN}\"}",
    },
    description:
      "Serve the live dashboard at `/`, the control API under `/v1/` and Prometheus metrics at `/metrics` over TCP, behind a token. Without it nothing listens on TCP.",
    default: "none",
  },
  router: {
    type: {
      type: "object",
      keys: {
        listen: {
          type: { type: "listen" },
          description: "`HOST:PORT` or `PORT` (on 127.0.0.1) the development router listens on.",
          default: "`127.0.0.1:8000`",
        },
        domain: {
          type: { type: "string", pattern: "^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", patternHelp: "a lowercase domain such as `localhost`" },
          description: "Site `NAME` answers at `NAME.DOMAIN:PORT`; `DOMAIN:PORT` is the index of every site.",
          default: "`localhost`",
        },
        allowRemote: {
          type: { type: "boolean" },
          description: "Allow a `listen` address other than loopback: the router is a development tool with no authentication.",
          default: "`false`",
        },
      },
      example: "{listen: 8000, domain: localhost}",
    },
    description:
      "Development router: an HTTP reverse proxy routing `NAME.localhost:PORT` to site `NAME` (WebSocket upgrades included), with an index page and error pages in the browser. `--router [PORT]` turns it on from the command line.",
    default: "none",
  },
} as const satisfies KeyTable;

/** `defaults` takes any site key except those naming what a site runs or where it listens. */
export const DEFAULTS_KEYS: KeyTable = Object.fromEntries(
  Object.entries(SITE_KEYS as KeyTable).filter(([, spec]) => spec.notInDefaults !== true),
);

export const TOP_KEYS = {
  version: { type: { type: "const", value: 1 }, description: "Format version; must be `1`.", required: true },
  supervisor: {
    type: { type: "object", keys: SUPERVISOR_KEYS },
    description: "Settings of the supervisor itself; all optional.",
    default: "`{}`",
  },
  defaults: {
    type: { type: "object", keys: DEFAULTS_KEYS },
    description:
      "Any site key except `command`, `wsgi`, `app` and `listen`; a site's own value wins, `env` maps merge. Kind-specific keys apply only to sites of that kind.",
    default: "`{}`",
  },
  sites: {
    type: {
      type: "map",
      values: { type: "object", keys: SITE_KEYS },
      keyPattern: SITE_NAME_PATTERN,
      keyHelp: `lowercase letters, digits, \`-\` and \`_\`, starting with a letter or digit, at most ${SITE_NAME_MAX} characters`,
    },
    description: "The sites, by name; at least one.",
    required: true,
  },
} as const satisfies KeyTable;

/** Top-level keys starting with `x-` are ignored: the place for YAML anchors (`x-common: &common`). */
export const EXTENSION_KEY_PREFIX = "x-";
