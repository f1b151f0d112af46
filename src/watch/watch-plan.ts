/**
 * What hot reload watches for a site: a pure function of its resolved config.
 *
 * chokidar 4+ takes paths, not globs, so a glob entry (`src/**\/*.ts`) is watched through its
 * static base folder and filtered with picomatch. Built-in ignores are always merged with the
 * user's, never replaced by them.
 */
import path from "node:path";
import picomatch from "picomatch";
import type { ResolvedSite } from "../config/types.js";

/** Never worth a reload: VCS data, dependencies, bytecode, virtualenvs, editors' temp files. */
export const DEFAULT_IGNORES: readonly string[] = [
  "**/.git/**",
  "**/.hg/**",
  "**/node_modules/**",
  "**/__pycache__/**",
  "**/*.pyc",
  "**/*.pyo",
  "**/.venv/**",
  "**/venv/**",
  "**/.virtualenvs/**",
  "**/site-packages/**",
  "**/.tox/**",
  "**/.mypy_cache/**",
  "**/.pytest_cache/**",
  "**/.ruff_cache/**",
  "**/.tsgi/**",
  "**/*.log",
  "**/*.swp",
  "**/*.swx",
  "**/*.swo",
  "**/*~",
  "**/.#*",
  "**/#*#",
  "**/4913",
  "**/.DS_Store",
];

export interface WatchPlanInput {
  readonly site: ResolvedSite;
  /** `--watch`: a site without `watch:` watches its cwd. */
  readonly watchAll: boolean;
  /**
   * What the supervisor itself writes or reads (log folder, control socket, `sites.yaml`):
   * never a reason to reload, or every log line would trigger another reload.
   */
  readonly ownPaths: readonly string[];
}

export interface SiteWatchPlan {
  /** Folders or files handed to the watcher. */
  readonly roots: readonly string[];
  /** True for a changed absolute path that should reload the site. */
  readonly matches: (file: string) => boolean;
  /** True for paths the watcher should not even descend into. */
  readonly ignored: (file: string) => boolean;
}

export function watchPlan(input: WatchPlanInput): SiteWatchPlan | undefined {
  const { site } = input;
  const setting = site.watch ?? (input.watchAll ? true : false);
  if (setting === false) return undefined;
  const entries = setting === true ? [site.cwd] : setting.map((entry) => path.resolve(site.cwd, entry));
  const roots: string[] = [];
  const globs: string[] = [];
  for (const entry of entries) {
    const scan = picomatch.scan(entry);
    if (scan.isGlob) {
      roots.push(scan.base === "" ? site.cwd : scan.base);
      globs.push(entry);
    } else {
      roots.push(entry);
    }
  }
  // The built-in ignores are matched against the path inside the watched folder, not the
  // absolute one: a site that itself lives under, say, `.tsgi/` or `venv/` must still be watched.
  const defaultMatch = picomatch([...DEFAULT_IGNORES, ...DEFAULT_IGNORES.filter((p) => p.endsWith("/**")).map((p) => p.slice(0, -3))], {
    dot: true,
  });
  const inside = (file: string): string | undefined => {
    const root = [...roots, site.cwd].find((r) => file === r || file.startsWith(`${r}/`));
    return root === undefined ? undefined : path.relative(root, file);
  };
  const defaultIgnored = (file: string): boolean => {
    const relative = inside(file);
    return relative === undefined ? defaultMatch(file) : relative !== "" && defaultMatch(relative);
  };
  const ignorePatterns = [
    ...site.watchIgnore.map((pattern) => (path.isAbsolute(pattern) || pattern.startsWith("**") ? pattern : path.join(site.cwd, pattern))),
    ...site.watchIgnore.filter((p) => !p.includes("/")).map((p) => `**/${p}`),
    ...site.watchIgnore.map((p) => `${path.resolve(site.cwd, p)}/**`),
  ];
  const ignoreMatch = picomatch(ignorePatterns, { dot: true });
  // A folder holding the site itself (`logs: .`) is not ignored whole — that would blind the
  // watcher; the log files in it are still ignored by the `*.log` default.
  const own = input.ownPaths.map((p) => path.resolve(p)).filter((p) => !roots.some((root) => root === p || root.startsWith(`${p}/`)));
  const ignored = (file: string): boolean =>
    defaultIgnored(file) || ignoreMatch(file) || own.some((p) => file === p || file.startsWith(`${p}/`));
  const plain = entries.filter((entry) => !picomatch.scan(entry).isGlob);
  const globMatch = globs.length === 0 ? () => false : picomatch(globs, { dot: true });
  const matches = (file: string): boolean => {
    if (ignored(file)) return false;
    if (plain.some((entry) => file === entry || file.startsWith(`${entry}/`))) return true;
    return globMatch(file);
  };
  return { roots: [...new Set(roots)], matches, ignored };
}
