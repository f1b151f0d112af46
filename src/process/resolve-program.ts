/**
 * Finds the program a site runs before it is spawned, so a typo gives a sentence
 * ("alpha: program `pyhton3` not found on PATH") instead of an ENOENT stack trace.
 */
import fs from "node:fs";
import path from "node:path";
import which from "which";

export type ProgramResult = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly message: string };

export function resolveProgram(file: string, cwd: string, envPath: string | undefined): ProgramResult {
  if (!directoryExists(cwd)) return { ok: false, message: `working directory ${cwd} does not exist — create it or fix cwd:` };
  if (file === "") return { ok: false, message: "empty command" };
  if (file.includes("/")) {
    const full = path.resolve(cwd, file);
    if (!fs.existsSync(full)) return { ok: false, message: `program ${full} does not exist` };
    try {
      fs.accessSync(full, fs.constants.X_OK);
    } catch {
      return { ok: false, message: `program ${full} is not executable — chmod +x it, or run it through its interpreter` };
    }
    if (fs.statSync(full).isDirectory()) return { ok: false, message: `program ${full} is a directory` };
    return { ok: true, path: full };
  }
  const found = which.sync(file, { path: envPath ?? "", nothrow: true });
  if (found === null) {
    return {
      ok: false,
      message: `program \`${file}\` not found on the site's PATH (${envPath ?? "unset"}) — install it, give a full path, or add its folder to env.PATH`,
    };
  }
  return { ok: true, path: found };
}

function directoryExists(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
