/**
 * The real Django site for the WSGI rows: `scripts/make-django-projects.sh` when the project has
 * it (the `shop` project, `/whoami` answering its settings module and pid), else a bare
 * `django-admin startproject` (loopback in ALLOWED_HOSTS) serving Django's welcome page at `/`.
 */
import fs from "node:fs";
import path from "node:path";
import { run } from "../lib/exec.js";
import { REPO } from "../lib/paths.js";
import type { DjangoProject } from "./context.js";

export async function prepareDjango(workRoot: string, log: (line: string) => void): Promise<DjangoProject | undefined> {
  const dir = path.join(workRoot, "django");
  const script = path.join(REPO, "scripts", "make-django-projects.sh");
  try {
    if (fs.existsSync(script)) {
      const result = await run("bash", [script, dir], { timeoutMs: 120_000 });
      const python = result.output.trim().split("\n").pop() ?? "python3";
      return { dir: path.join(dir, "shop"), python, wsgi: "shop.wsgi:application", settings: "shop.settings", path: "/whoami" };
    }
    const python = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    const root = path.join(dir, "shop");
    fs.mkdirSync(root, { recursive: true });
    await run(python, ["-m", "django", "startproject", "shop", root], { timeoutMs: 120_000 });
    fs.appendFileSync(path.join(root, "shop", "settings.py"), '\nALLOWED_HOSTS = ["127.0.0.1", "localhost"]\n');
    return { dir: root, python, wsgi: "shop.wsgi:application", settings: "shop.settings", path: "/" };
  } catch (error) {
    log(`django: cannot make the project (${error instanceof Error ? error.message : String(error)}); WSGI rows skipped`);
    return undefined;
  }
}
