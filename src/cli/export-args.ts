/**
 * What every `export` target shares: its streams, and option parsing that turns a bad flag into
 * a usage message (exit 2) instead of a throw.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

export interface ExportIo {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

export function parse<T>(
  argv: readonly string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  build: (values: Record<string, string | undefined>) => Parsed<T>,
): Parsed<T> {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    if (positionals.length > 0) return { ok: false, message: `unexpected \`${positionals[0]}\` (one sites.yaml per export)` };
    return build(values as Record<string, string | undefined>);
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
