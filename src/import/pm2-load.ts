/**
 * Reads a PM2 ecosystem file as PM2 does: `.json` and `.yaml` as data; `.js`/`.cjs`/`.mjs` by
 * running it — in a child `node`, in the file's folder with the import's environment, so that
 * whatever the file does at load time stays out of this process. The caller tells the user.
 */
import path from "node:path";
import { readYamlData } from "../config/load.js";
import { runCheck } from "../process/spawn.js";
import { failAt, type Parsed } from "./model.js";
import { readText } from "./read-files.js";

const MARK = "\u0000tsgi-import-pm2\u0000";

// PM2 `require()`s the file; an ES module (`.mjs`, or `.js` under `"type": "module"`) is imported.
// The export is printed as JSON between markers, whatever else the file prints.
const EVALUATE = `
const { pathToFileURL } = require("node:url");
const print = (conf) => process.stdout.write(${JSON.stringify(MARK)} + JSON.stringify(conf) + ${JSON.stringify(MARK)});
const fail = (error) => { process.stderr.write(String((error && error.stack) || error)); process.exit(1); };
let conf;
try {
  conf = require(process.argv[1]);
  // Node >= 20.19 require()s an ES module too, and gives its namespace.
  if (Object.prototype.toString.call(conf) === "[object Module]") conf = conf.default ?? { ...conf };
} catch (error) {
  if (error && error.code !== "ERR_REQUIRE_ESM" && error.code !== "ERR_REQUIRE_ASYNC_MODULE") fail(error);
}
if (conf !== undefined) print(conf);
else import(pathToFileURL(process.argv[1]).href).then((ns) => print(ns.default ?? ns), fail);`;

export function isJsEcosystem(file: string): boolean {
  return [".js", ".cjs", ".mjs"].includes(path.extname(file));
}

function jsonPosition(text: string, message: string): { line: number; col: number } {
  const at = /position (\d+)/.exec(message);
  const offset = at === null ? text.length : Number(at[1]);
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
}

/** Where a failed evaluation points: `node --check` for syntax, else the first stack frame in the file. */
async function jsFailure(file: string, shown: string, output: string, env: Record<string, string>): Promise<Parsed<never>> {
  const check = await runCheck(process.execPath, ["--check", file], { cwd: path.dirname(file), env, timeoutMs: 10_000 });
  if (!check.ok && check.output !== "") {
    const lines = check.output.split("\n");
    const line = Number(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+)`).exec(check.output)?.[1] ?? 1);
    const caret = lines.find((l) => /^\s*\^/.test(l));
    const message = lines.find((l) => l.startsWith("SyntaxError")) ?? "syntax error";
    return failAt(shown, line, caret === undefined ? 1 : caret.indexOf("^") + 1, message, "a JavaScript module exporting `{apps: [...]}`");
  }
  const frame = new RegExp(`${path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+):(\\d+)`).exec(output);
  const first = output.split("\n").find((l) => /Error/.test(l)) ?? output.split("\n")[0] ?? "it failed";
  return failAt(
    shown,
    Number(frame?.[1] ?? 1),
    Number(frame?.[2] ?? 1),
    `evaluating it failed: ${first.trim()}`,
    "a module that loads without throwing",
  );
}

export interface Ecosystem {
  readonly text: string;
  readonly data: unknown;
}

export async function loadEcosystem(file: string, shown: string, env: NodeJS.ProcessEnv): Promise<Parsed<Ecosystem>> {
  const text = readText(file, shown);
  if (!text.ok) return text;
  const ext = path.extname(file);
  if (ext === ".json") {
    try {
      return { ok: true, value: { text: text.value, data: JSON.parse(text.value) as unknown } };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const { line, col } = jsonPosition(text.value, message);
      return failAt(
        shown,
        line,
        col,
        `not JSON: ${message}`,
        "JSON (PM2 evaluates .json files as JavaScript literals; rename it to .js to import it that way)",
      );
    }
  }
  if (ext === ".yaml" || ext === ".yml") {
    const data = readYamlData(text.value);
    if (!data.ok) return failAt(shown, data.line, data.col, `YAML syntax: ${data.message}`, "a YAML map with `apps:`");
    return { ok: true, value: { text: text.value, data: data.value } };
  }
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) childEnv[key] = value;
  const result = await runCheck(process.execPath, ["-e", EVALUATE, file], { cwd: path.dirname(file), env: childEnv, timeoutMs: 30_000 });
  const start = result.output.indexOf(MARK);
  const end = result.output.lastIndexOf(MARK);
  if (!result.ok || start < 0 || end <= start) return jsFailure(file, shown, result.output, childEnv);
  return { ok: true, value: { text: text.value, data: JSON.parse(result.output.slice(start + MARK.length, end)) as unknown } };
}
