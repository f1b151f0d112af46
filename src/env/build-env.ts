/**
 * A site's environment, built for it alone.
 *
 * Order, later wins: the inherited allowlist of the supervisor's variables → `defaults.env` →
 * `envFile` → the site's `env` → the settings variable. The settings variables are never
 * inherited: the supervisor's shell having `DJANGO_SETTINGS_MODULE` set is exactly the
 * collision tsgi exists to prevent.
 */

export const DEFAULT_INHERIT: readonly string[] = ["PATH", "HOME", "USER", "LANG", "LC_*", "TZ", "TMPDIR"];

/** Settings variables tsgi manages; never taken from the supervisor's environment. */
export const SETTINGS_VARS: readonly string[] = ["DJANGO_SETTINGS_MODULE", "TSGI_SETTINGS_MODULE"];

/** Set by tsgi for each process at spawn time; a user value would lie about the sockets. */
export const RESERVED_VARS: readonly string[] = ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "TSGI_FD", "TSGI_NOTIFY_FD"];

/** The supervisor's own plumbing, never handed down even under `inheritEnv: true`. */
const NEVER_INHERITED = new Set([...SETTINGS_VARS, ...RESERVED_VARS, "NOTIFY_SOCKET"]);

export const ENV_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$";
/** `inheritEnv` entries: names with `*` / `?` globs (`LC_*`). */
export const ENV_GLOB_PATTERN = "^[A-Za-z0-9_*?]+$";

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** The supervisor's variables a site receives, before anything of its own. */
export function inheritedEnv(
  supervisorEnv: NodeJS.ProcessEnv,
  inherit: true | readonly string[],
  settingsVar: string,
): Map<string, string> {
  const patterns = inherit === true ? undefined : inherit.map(globToRegExp);
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(supervisorEnv)) {
    if (value === undefined || NEVER_INHERITED.has(name) || name === settingsVar) continue;
    if (patterns === undefined || patterns.some((pattern) => pattern.test(name))) out.set(name, value);
  }
  return out;
}

export type Expansion =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly offset: number; readonly message: string; readonly hint: string };

const SUBSTITUTION = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/;

/**
 * `${VAR}`, `${VAR:-default}` (unset or empty) and `${VAR-default}` (unset) from the
 * supervisor's environment; `$${` is a literal `${`. A lone `$` stays as written, so passwords
 * with `$` in them need no escaping.
 */
export function expandVars(value: string, supervisorEnv: NodeJS.ProcessEnv): Expansion {
  let out = "";
  let i = 0;
  while (i < value.length) {
    const at = value.indexOf("$", i);
    if (at === -1) break;
    out += value.slice(i, at);
    if (value.startsWith("$${", at)) {
      out += "${";
      i = at + 3;
      continue;
    }
    if (!value.startsWith("${", at)) {
      out += "$";
      i = at + 1;
      continue;
    }
    const match = SUBSTITUTION.exec(value.slice(at));
    if (!match) {
      const end = value.indexOf("}", at);
      const text = end === -1 ? value.slice(at) : value.slice(at, end + 1);
      return {
        ok: false,
        offset: at,
        message: `bad substitution \`${text}\``,
        hint: "write `${NAME}`, `${NAME:-default}` or `${NAME-default}`; `$${` for a literal `${`",
      };
    }
    const [text, name = "", operator, fallback = ""] = match;
    const current = supervisorEnv[name];
    if (operator === ":-" ? current === undefined || current === "" : current === undefined) {
      if (operator === undefined) {
        return {
          ok: false,
          offset: at,
          message: `\`\${${name}}\` is not set in the supervisor's environment`,
          hint: `set ${name} before starting tsgi-supervise, or give a default: \`\${${name}:-value}\``,
        };
      }
      out += fallback;
    } else {
      out += current ?? "";
    }
    i = at + text.length;
  }
  return { ok: true, value: out + value.slice(i) };
}

export interface SiteEnvParts {
  readonly supervisorEnv: NodeJS.ProcessEnv;
  readonly inheritEnv: true | readonly string[];
  /** Already expanded. */
  readonly defaultsEnv: Readonly<Record<string, string>>;
  /** The site's env files, merged in order. */
  readonly fileEnv: Readonly<Record<string, string>>;
  /** Already expanded. */
  readonly siteEnv: Readonly<Record<string, string>>;
  readonly settingsVar: string;
  readonly settings: string | undefined;
}

export function buildSiteEnv(parts: SiteEnvParts): Record<string, string> {
  const env = inheritedEnv(parts.supervisorEnv, parts.inheritEnv, parts.settingsVar);
  for (const layer of [parts.defaultsEnv, parts.fileEnv, parts.siteEnv]) {
    for (const [name, value] of Object.entries(layer)) env.set(name, value);
  }
  // Exactly the site's `settings`, or nothing: no value from any layer above survives.
  env.delete(parts.settingsVar);
  if (parts.settings !== undefined) env.set(parts.settingsVar, parts.settings);
  // Sorted, so `check` and diffs read the same every time.
  return Object.fromEntries([...env].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
