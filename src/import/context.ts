/**
 * What every importer shares: where the `sites.yaml` will live (the base of the relative paths it
 * writes), the environment `%(ENV_X)s` and `${X}` read, the log, and the site names taken so far.
 */
import path from "node:path";
import { SITE_NAME_MAX, SITE_NAME_PATTERN } from "../config/schema.js";
import { ImportLog, SiteDraft, type SourceRef } from "./model.js";

export interface ImportOptions {
  /** Folder of the output `sites.yaml` (the current folder when it goes to stdout). */
  readonly outDir: string;
  /** The environment of the import: `%(ENV_X)s` and PM2's `process.env` read it. */
  readonly env: NodeJS.ProcessEnv;
  /** PM2 `--env NAME`: which `env_NAME` set to apply over `env`. */
  readonly envName: string | undefined;
  /** First port for sites whose source names no address (mod_wsgi daemons): 8101, 8102… */
  readonly portBase: number;
}

const NAME = new RegExp(SITE_NAME_PATTERN);

export class ImportContext {
  readonly log = new ImportLog();
  readonly #names = new Set<string>();
  #nextPort: number;

  constructor(readonly options: ImportOptions) {
    this.#nextPort = options.portBase;
  }

  /** A path as `sites.yaml` should hold it: relative to its folder when inside it, else absolute. */
  pathFor(absolute: string): string {
    const rel = path.relative(this.options.outDir, absolute);
    if (rel === "") return ".";
    return rel.startsWith("..") || path.isAbsolute(rel) ? absolute : rel;
  }

  /** The path a user named, for messages: relative to the current folder when inside it. */
  display(absolute: string): string {
    const rel = path.relative(process.cwd(), absolute);
    return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : absolute;
  }

  nextPort(): number {
    return this.#nextPort++;
  }

  /**
   * A site for `wanted`: made a valid name (`[a-z0-9][a-z0-9_-]*`), and unique (`web-2`). A
   * changed name is said in a comment, so the user can find it.
   */
  site(wanted: string, from: SourceRef, label: string): SiteDraft {
    let base = wanted
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "-")
      .replace(/^[-_]+/, "")
      .replace(/-+$/, "")
      .slice(0, SITE_NAME_MAX);
    if (!NAME.test(base)) base = "site";
    let name = base;
    for (let n = 2; this.#names.has(name); n++) name = `${base.slice(0, SITE_NAME_MAX - String(n).length - 1)}-${n}`;
    this.#names.add(name);
    const draft = new SiteDraft(name, from, label, this.log);
    if (name !== wanted) draft.note(`named \`${name}\` (\`${wanted}\` is not a valid or free site name)`);
    return draft;
  }
}
