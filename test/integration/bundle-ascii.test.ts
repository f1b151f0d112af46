/**
 * The bundle stays ASCII (`scripts/build.mjs` `asciiOnly`): V8 holds a module's source at two
 * bytes a character as soon as one character is not Latin-1, and keeps it for the process's life.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { it } from "node:test";
import { fileURLToPath } from "node:url";

const BUNDLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/bundle");

it("every chunk of the bundled command line is plain ASCII", () => {
  const chunks = fs.readdirSync(BUNDLE).filter((name) => name.endsWith(".js") || name.endsWith(".cjs"));
  assert.ok(chunks.length > 1, `no chunks in ${BUNDLE}: run npm run build`);
  const offenders = chunks.flatMap((name) => {
    const bytes = fs.readFileSync(path.join(BUNDLE, name));
    const at = bytes.findIndex((byte) => byte > 0x7f);
    return at < 0 ? [] : [`${name} at byte ${at}: ${JSON.stringify(bytes.subarray(Math.max(0, at - 40), at + 10).toString("utf8"))}`];
  });
  assert.deepEqual(offenders, []);
});
