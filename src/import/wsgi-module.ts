/**
 * A WSGI script file (`/srv/shop/src/shop/wsgi.py`) → what a `wsgi:` site imports: the folder to
 * import from (`cwd`) and the dotted module (`shop.wsgi`). Also the settings module Django's
 * generated `wsgi.py` `setdefault()`s, so the imported site says it explicitly.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type ScriptModule =
  | { readonly ok: true; readonly cwd: string; readonly module: string }
  | { readonly ok: false; readonly reason: string; readonly cwd: string };

/** Tries each folder of `searchPath` in order (mod_wsgi's `home=`, `python-path=`), then the file's own. */
export function moduleForScript(script: string, searchPath: readonly string[]): ScriptModule {
  const ext = path.extname(script);
  if (ext !== ".py") {
    return {
      ok: false,
      cwd: path.dirname(script),
      reason: `${path.basename(script)} is not importable as a module (gunicorn imports \`module:callable\`); copy it to a .py file or write a small module that imports it`,
    };
  }
  for (const dir of [...searchPath, path.dirname(script)]) {
    const rel = path.relative(dir, script);
    if (rel.startsWith("..") || path.isAbsolute(rel)) continue;
    const parts = rel.slice(0, -ext.length).split(path.sep);
    if (parts.every((part) => IDENTIFIER.test(part))) return { ok: true, cwd: dir, module: parts.join(".") };
  }
  return { ok: false, cwd: path.dirname(script), reason: `${path.basename(script)} is not a valid Python module name` };
}

/** `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")` in the script, if readable. */
export function settingsDefault(script: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(script, "utf8");
  } catch {
    return undefined;
  }
  return /setdefault\(\s*["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([A-Za-z0-9_.]+)["']\s*\)/.exec(text)?.[1];
}
