/**
 * Which tool a file belongs to, from its name first and its content second — the way a person
 * would tell: `Procfile`, `ecosystem.config.js`, a `[program:x]` section, a `WSGIDaemonProcess`.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";

export const FORMATS = ["pm2", "procfile", "supervisord", "uwsgi", "apache"] as const;
export type ImportFormat = (typeof FORMATS)[number];

export function isFormat(value: string): value is ImportFormat {
  return (FORMATS as readonly string[]).includes(value);
}

function head(file: string): string {
  try {
    return readFileSync(file, "utf8").slice(0, 64 * 1024);
  } catch {
    return "";
  }
}

/** `undefined`: no format recognised (the caller asks for `--from`). */
export function detectFormat(file: string): ImportFormat | undefined {
  try {
    if (statSync(file).isDirectory()) return "uwsgi";
  } catch {
    return undefined;
  }
  const base = path.basename(file);
  const ext = path.extname(file).toLowerCase();
  if (/^Procfile(\..+)?$/.test(base)) return "procfile";
  if (/^(ecosystem|pm2|process)\b/i.test(base) && [".js", ".cjs", ".mjs", ".json", ".yaml", ".yml"].includes(ext)) return "pm2";
  if ([".js", ".cjs", ".mjs"].includes(ext)) return "pm2";
  const text = head(file);
  if (/^\s*\[uwsgi\]/m.test(text)) return "uwsgi";
  if (/^\s*\[(program|supervisord|include|fcgi-program|eventlistener|group):?[^\]]*\]/m.test(text)) return "supervisord";
  if (/^\s*WSGI[A-Za-z]+\b|^\s*<VirtualHost\b/im.test(text)) return "apache";
  if ([".json", ".yaml", ".yml"].includes(ext) && /["']?apps["']?\s*:/.test(text)) return "pm2";
  if (ext === "" && /^[A-Za-z0-9_-]+:\s*\S/m.test(text) && !/^\s*\[/m.test(text)) return "procfile";
  return undefined;
}
