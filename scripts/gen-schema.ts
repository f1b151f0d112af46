/**
 * Writes `schema/sites.schema.json`, `docs/sites-yaml.md` and the README's reference from
 * `src/config/schema.ts` (the rendering is `src/config/schema-docs.ts`).
 *
 *   node --import tsx scripts/gen-schema.ts          # write them
 *   node --import tsx scripts/gen-schema.ts --check  # exit 1 if one is out of date
 *
 * A unit test runs the check too, so the files cannot drift from the table the loader uses.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { outputs } from "../src/config/schema-docs.js";

function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  let stale = 0;
  for (const [file, text] of outputs()) {
    let current: string | undefined;
    try {
      current = readFileSync(file, "utf8");
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    if (check) {
      process.stderr.write(`${file} is out of date: run node --import tsx scripts/gen-schema.ts\n`);
      stale++;
    } else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      process.stdout.write(`wrote ${file}\n`);
    }
  }
  return stale > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
