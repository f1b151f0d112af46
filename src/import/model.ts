/**
 * What an importer makes of another tool's configuration: sites in source order, each an ordered
 * list of `sites.yaml` keys and comment lines, plus the warnings and advice for stderr.
 *
 * An option with no tsgi equivalent is recorded once, through `SiteDraft.unmapped` (or
 * `ImportLog.unmapped` outside a site): a comment at its place in the output *and* a warning
 * naming file:line — the two cannot drift apart, so nothing is dropped silently.
 */

/** A place in an input file; `file` as the user named it (relative paths stay relative). */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

export type YamlValue = string | number | boolean | readonly YamlValue[] | { readonly [key: string]: YamlValue };

export type SiteLine =
  | { readonly type: "key"; readonly key: string; value: YamlValue; readonly comment: string | undefined }
  | { readonly type: "note"; readonly text: string };

export interface ImportedSite {
  readonly name: string;
  readonly from: SourceRef;
  /** How the source names it: `[program:web]`, `app "api"`, `WSGIDaemonProcess shop`. */
  readonly label: string;
  readonly lines: readonly SiteLine[];
}

export interface ImportWarning {
  readonly at: SourceRef;
  readonly message: string;
}

/** Unparseable input: where, what is wrong, what was expected. */
export interface ParseFailure {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
  readonly expected: string;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: ParseFailure };

export function failAt(file: string, line: number, col: number, message: string, expected: string): { ok: false; failure: ParseFailure } {
  return { ok: false, failure: { file, line, col, message, expected } };
}

export function formatFailure(failure: ParseFailure): string {
  return `${failure.file}:${failure.line}:${failure.col}: ${failure.message}\n  expected ${failure.expected}`;
}

export function where(at: SourceRef): string {
  return `${at.file}:${at.line}`;
}

/** Warnings, top-level notes and advice of one import run. */
export class ImportLog {
  readonly warnings: ImportWarning[] = [];
  /** Comment lines above `sites:` (programs that are not sites, such as an `[eventlistener]`). */
  readonly notes: string[] = [];
  /** Printed on stderr after the summary: what the user must do next. */
  readonly advice: string[] = [];

  /** Once per place and message: the processes of one `numprocs` program share their lines. */
  warn(at: SourceRef, message: string): void {
    if (this.warnings.some((w) => w.at.file === at.file && w.at.line === at.line && w.message === message)) return;
    this.warnings.push({ at, message });
  }

  /** Something with no place in any site: a top-level comment and a warning. */
  unmapped(at: SourceRef, option: string, reason: string): void {
    this.notes.push(`not mapped: ${option} (${where(at)}): ${reason}`);
    this.warn(at, `${option} has no tsgi equivalent: ${reason.replace(/\.$/, "")}; left as a comment`);
  }
}

/** One site being built: keys keep the order they were first set in; `env` is one map. */
export class SiteDraft {
  readonly lines: SiteLine[] = [];
  readonly #env = new Map<string, string>();
  #envLine: SiteLine | undefined;

  constructor(
    readonly name: string,
    readonly from: SourceRef,
    readonly label: string,
    private readonly log: ImportLog,
  ) {}

  set(key: string, value: YamlValue, comment?: string): void {
    const existing = this.lines.find((line) => line.type === "key" && line.key === key);
    if (existing?.type === "key") existing.value = value;
    else this.lines.push({ type: "key", key, value, comment });
  }

  has(key: string): boolean {
    return this.lines.some((line) => line.type === "key" && line.key === key);
  }

  get(key: string): YamlValue | undefined {
    const line = this.lines.find((l) => l.type === "key" && l.key === key);
    return line?.type === "key" ? line.value : undefined;
  }

  env(name: string, value: string): void {
    this.#env.set(name, value);
    if (this.#envLine === undefined) {
      this.#envLine = { type: "key", key: "env", value: {}, comment: undefined };
      this.lines.push(this.#envLine);
    }
    if (this.#envLine.type === "key") this.#envLine.value = Object.fromEntries(this.#env);
  }

  envValue(name: string): string | undefined {
    return this.#env.get(name);
  }

  note(text: string): void {
    this.lines.push({ type: "note", text });
  }

  /** An option with no equivalent: a comment here and one warning naming file:line. */
  unmapped(at: SourceRef, option: string, reason: string): void {
    this.note(`not mapped: ${option} (${where(at)}): ${reason}`);
    this.log.warn(at, `${option} has no tsgi equivalent: ${reason.replace(/\.$/, "")}; left as a comment`);
  }

  /**
   * The settings variable is tsgi's to set (`env` may not carry it): a source that sets it in the
   * environment gets `settings:` instead.
   */
  done(): ImportedSite {
    const settingsVar = this.has("wsgi") ? "DJANGO_SETTINGS_MODULE" : "TSGI_SETTINGS_MODULE";
    const value = this.#env.get(settingsVar);
    if (value !== undefined && this.#envLine?.type === "key") {
      this.#env.delete(settingsVar);
      this.#envLine.value = Object.fromEntries(this.#env);
      if (!this.has("settings")) this.set("settings", value, `${settingsVar} from the environment`);
    }
    return { name: this.name, from: this.from, label: this.label, lines: this.lines };
  }
}

/** What every importer returns. */
export interface ImportOutput {
  readonly sites: readonly ImportedSite[];
  readonly log: ImportLog;
}
