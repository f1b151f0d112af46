/**
 * Running `tsgi-supervise import` in-process on a fixture, with its environment, into a temp
 * folder; and the warnings/comments of the result, to match one against the other.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { capture } from "../export/helpers.js";
import { importCommand } from "../../src/cli/import.js";
import { tempDir } from "../../kit/supervisor.js";

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/import");

export interface Imported {
  readonly code: number;
  readonly yaml: string;
  readonly stderr: string;
  readonly dir: string;
  readonly file: string;
}

export async function runImport(args: readonly string[], env: NodeJS.ProcessEnv = {}, dir = tempDir("tsgi-import-")): Promise<Imported> {
  const out = capture();
  const err = capture();
  const file = path.join(dir, "sites.yaml");
  const code = await importCommand(
    [...args, "--out", file],
    { out: out.stream, err: err.stream },
    { PATH: process.env["PATH"] ?? "", ...env },
  );
  return { code, yaml: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "", stderr: err.text(), dir, file };
}

/** `file:line` of every "not mapped" comment, and of every warning line. */
export function unmappedPlaces(result: Imported): { comments: string[]; warnings: string[] } {
  const comments = [...result.yaml.matchAll(/# not mapped: .*? \(([^()\s]+:\d+)\)/g)].map((m) => m[1] ?? "");
  const warnings = [...result.stderr.matchAll(/^warning: ([^\s]+:\d+): .* has no tsgi equivalent/gm)].map((m) => m[1] ?? "");
  return { comments: [...new Set(comments)].sort(), warnings: [...new Set(warnings)].sort() };
}
