/**
 * A PM2 ecosystem file → one `command` site per app (`pm2-app.ts` maps each), with the file and
 * line of every app and option found in the text, since a `.js` file has no parse positions.
 */
import path from "node:path";
import type { ImportContext } from "./context.js";
import { failAt, type ImportedSite, type Parsed, type SourceRef } from "./model.js";
import { mapApp, type App } from "./pm2-app.js";
import { loadEcosystem } from "./pm2-load.js";

function appsOf(data: unknown): App[] | undefined {
  const list = Array.isArray(data) ? data : typeof data === "object" && data !== null && "apps" in data ? data.apps : data;
  const apps = Array.isArray(list) ? list : [list];
  return apps.every((app) => typeof app === "object" && app !== null && !Array.isArray(app)) ? (apps as App[]) : undefined;
}

/** The line an app or key is written on, found in the text (a `.js` file has no parse positions). */
class Lines {
  readonly #lines: string[];
  constructor(text: string) {
    this.#lines = text.split(/\r?\n/);
  }
  find(pattern: RegExp, from = 0): number | undefined {
    const index = this.#lines.findIndex((line, i) => i >= from && pattern.test(line));
    return index < 0 ? undefined : index + 1;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export async function importPm2(file: string, ctx: ImportContext): Promise<Parsed<ImportedSite[]>> {
  const shown = ctx.display(file);
  const loaded = await loadEcosystem(file, shown, ctx.options.env);
  if (!loaded.ok) return loaded;
  if (path.extname(file) !== ".json" && path.extname(file) !== ".yaml" && path.extname(file) !== ".yml") {
    ctx.log.advice.push(
      `${shown} is JavaScript: it was run (in a child node, in its folder, with this environment) to read its apps, as PM2 does`,
    );
  }
  const apps = appsOf(loaded.value.data);
  if (apps === undefined || apps.length === 0)
    return failAt(shown, 1, 1, "no apps found", "`module.exports = {apps: [{name, script, …}]}` (or a list of apps)");
  const data = loaded.value.data;
  if (typeof data === "object" && data !== null && !Array.isArray(data) && "deploy" in data) {
    const line = new Lines(loaded.value.text).find(/\bdeploy\b/) ?? 1;
    ctx.log.unmapped(
      { file: shown, line },
      "deploy",
      "PM2's deployment recipes are outside a supervisor's file; keep them in your deploy tool",
    );
  }
  const lines = new Lines(loaded.value.text);
  const sites: ImportedSite[] = [];
  let after = 0;
  for (const [index, app] of apps.entries()) {
    const script = app["script"] ?? app["cmd"] ?? app["command"];
    const name =
      typeof app["name"] === "string"
        ? app["name"]
        : typeof script === "string"
          ? path.basename(script, path.extname(script))
          : `app${index + 1}`;
    const line = lines.find(new RegExp(`name["']?\\s*:\\s*["'\`]${escape(name)}["'\`]`), after) ?? lines.find(/script/, after) ?? 1;
    after = line;
    const at = { file: shown, line };
    if (typeof script !== "string" || script.trim() === "")
      return failAt(shown, line, 1, `app \`${name}\` has no script`, "`script: 'server.js'` (or a command)");
    const site = ctx.site(name, at, `app "${name}"`);
    const keyAt = (key: string): SourceRef => ({ file: shown, line: lines.find(new RegExp(`\\b${escape(key)}\\b`), line - 1) ?? line });
    const made = mapApp(app, script, site, ctx, path.dirname(file), keyAt);
    if (!made.ok) return made;
    sites.push(site.done());
  }
  return { ok: true, value: sites };
}
