/**
 * `tsgi-supervise import`'s work, without the command line: files (and the format) in, the
 * text of a `sites.yaml` and the log for stderr out.
 */
import path from "node:path";
import { importApache } from "./apache/import.js";
import { ImportContext, type ImportOptions } from "./context.js";
import { detectFormat, type ImportFormat } from "./detect.js";
import { failAt, type ImportLog, type ImportedSite, type Parsed } from "./model.js";
import { importPm2 } from "./pm2.js";
import { importProcfile } from "./procfile.js";
import { importSupervisord } from "./supervisord.js";
import { importUwsgi } from "./uwsgi.js";
import { renderSites } from "./write-sites.js";

export interface ImportDone {
  readonly format: ImportFormat;
  readonly text: string;
  readonly sites: readonly ImportedSite[];
  readonly log: ImportLog;
}

export function chooseFormat(files: readonly string[], from: ImportFormat | undefined): Parsed<ImportFormat> {
  if (from !== undefined) return { ok: true, value: from };
  const found = files.map((file) => ({ file, format: detectFormat(file) }));
  const unknown = found.find((f) => f.format === undefined);
  if (unknown !== undefined) {
    return failAt(
      unknown.file,
      1,
      1,
      "not recognised as a PM2, Procfile, supervisord, uWSGI or Apache configuration",
      "--from pm2|procfile|supervisord|uwsgi|apache",
    );
  }
  const formats = [...new Set(found.map((f) => f.format))];
  if (formats.length > 1) {
    return failAt(
      found[1]?.file ?? "",
      1,
      1,
      `the files are of different formats (${found.map((f) => `${f.file}: ${f.format}`).join(", ")})`,
      "files of one format per import (or --from)",
    );
  }
  return { ok: true, value: formats[0] ?? "procfile" };
}

async function sitesOf(format: ImportFormat, files: readonly string[], ctx: ImportContext): Promise<Parsed<ImportedSite[]>> {
  switch (format) {
    case "pm2":
    case "procfile": {
      const sites: ImportedSite[] = [];
      for (const file of files) {
        const made = format === "pm2" ? await importPm2(file, ctx) : importProcfile(file, ctx);
        if (!made.ok) return made;
        sites.push(...made.value);
      }
      return { ok: true, value: sites };
    }
    case "supervisord":
      return importSupervisord(files, ctx);
    case "uwsgi":
      return importUwsgi(files, ctx);
    case "apache":
      return importApache(files, ctx);
    default:
      throw new Error(`unknown format ${String(format satisfies never)}`);
  }
}

export async function runImport(
  files: readonly string[],
  from: ImportFormat | undefined,
  options: ImportOptions,
): Promise<Parsed<ImportDone>> {
  const format = chooseFormat(files, from);
  if (!format.ok) return format;
  const ctx = new ImportContext(options);
  const absolute = files.map((file) => path.resolve(file));
  const sites = await sitesOf(format.value, absolute, ctx);
  if (!sites.ok) return sites;
  if (sites.value.length === 0)
    return failAt(
      files.join(", "),
      1,
      1,
      "no sites found",
      format.value === "supervisord" ? "a `[program:NAME]` section" : "at least one program to run",
    );
  const text = renderSites({ inputs: files, format: format.value, notes: ctx.log.notes, sites: sites.value });
  return { ok: true, value: { format: format.value, text, sites: sites.value, log: ctx.log } };
}
