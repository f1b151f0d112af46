/**
 * supervisord's value syntax: Python `%(name)s` expansion (`%(ENV_HOME)s`, `%(here)s`,
 * `%(program_name)s`, `%(process_num)02d`) and the `environment=` list of `KEY="value",KEY2=v`.
 */

export type Expanded =
  { readonly ok: true; readonly value: string } | { readonly ok: false; readonly col: number; readonly message: string };

/** `%(name)s` / `%(name)d` / `%(name)02d` from `vars`; `%%` is a `%`. */
export function expandPercent(text: string, vars: Readonly<Record<string, string | number>>): Expanded {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c !== "%") {
      out += c;
      continue;
    }
    if (text[i + 1] === "%") {
      out += "%";
      i++;
      continue;
    }
    const match = /^%\(([^)]+)\)(0?\d*)([sdr])/.exec(text.slice(i));
    if (match === null) return { ok: false, col: i + 1, message: "a `%` that starts no `%(name)s` (write `%%` for a literal `%`)" };
    const name = match[1] ?? "";
    const value = vars[name];
    if (value === undefined) {
      return {
        ok: false,
        col: i + 1,
        message: name.startsWith("ENV_")
          ? `\`%(${name})s\`: the environment variable ${name.slice(4)} is not set`
          : `\`%(${name})s\` names no value supervisord knows here`,
      };
    }
    const width = match[2] ?? "";
    let formatted = String(value);
    if (match[3] === "d" && width !== "") formatted = formatted.padStart(Number(width), width.startsWith("0") ? "0" : " ");
    out += formatted;
    i += match[0].length - 1;
  }
  return { ok: true, value: out };
}

export type EnvPairs =
  { readonly ok: true; readonly pairs: [string, string][] } | { readonly ok: false; readonly col: number; readonly message: string };

/**
 * `KEY="a value",OTHER='x',PLAIN=y` as supervisord reads it (shlex, POSIX quotes; a comma ends
 * an unquoted value). Line breaks of a continued value count as spaces.
 */
export function parseEnvironment(text: string): EnvPairs {
  const pairs: [string, string][] = [];
  let i = 0;
  const skip = (): void => {
    while (i < text.length && /[\s,]/.test(text[i] ?? "")) i++;
  };
  skip();
  while (i < text.length) {
    const key = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(text.slice(i));
    if (key === null) return { ok: false, col: i + 1, message: "expected a variable name" };
    i += key[0].length;
    while (text[i] === " ") i++;
    if (text[i] !== "=") return { ok: false, col: i + 1, message: `expected \`=\` after \`${key[0]}\`` };
    i++;
    while (text[i] === " ") i++;
    let value = "";
    while (i < text.length && text[i] !== ",") {
      const c = text[i] ?? "";
      if (c === '"' || c === "'") {
        const open = i;
        i++;
        while (i < text.length && text[i] !== c) {
          if (c === '"' && text[i] === "\\" && '"\\'.includes(text[i + 1] ?? "")) i++;
          value += text.charAt(i);
          i++;
        }
        if (i >= text.length) return { ok: false, col: open + 1, message: `the quote opened here for \`${key[0]}\` is never closed` };
        i++;
      } else if (/\s/.test(c)) {
        i++;
        if (!/^\s*(,|$)/.test(text.slice(i)))
          return { ok: false, col: i, message: `a space in the value of \`${key[0]}\`: quote the value` };
      } else {
        value += c;
        i++;
      }
    }
    pairs.push([key[0], value]);
    skip();
  }
  return { ok: true, pairs };
}

/** supervisord's booleans. */
export function parseBool(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (["true", "yes", "on", "1"].includes(v)) return true;
  if (["false", "no", "off", "0"].includes(v)) return false;
  return undefined;
}

/** `50MB`, `1GB`, `1024` (bytes) as supervisord reads byte sizes. */
export function parseBytes(value: string): number | undefined {
  const match = /^(\d+)\s*(KB|MB|GB)?$/i.exec(value.trim());
  if (match === null) return undefined;
  const units: Readonly<Record<string, number>> = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
  const unit = units[(match[2] ?? "").toUpperCase()] ?? 1;
  return Number(match[1]) * unit;
}
