/**
 * systemd unit files: a small model, its rendering, and the quoting rules of the few settings
 * the export writes.
 *
 * systemd expands specifiers (`%i`, `%h`…) in most values, so a literal `%` is `%%`; in
 * `ExecStart=` it also expands `$VAR`, so a literal `$` is `$$`. Quoted words take C escapes
 * (`\\`, `\"`, `\n`), which keeps a value with a newline on one line. A unit file has no
 * trailing comments — `# …` only at the start of a line — so notes go on lines of their own.
 */

export type UnitLine = { readonly key: string; readonly value: string } | { readonly comment: string };

export interface UnitSection {
  readonly name: "Unit" | "Service" | "Socket" | "Install";
  readonly lines: readonly UnitLine[];
}

export interface UnitFile {
  /** `tsgi-alpha.service`, `tsgi-alpha@.service`, `tsgi.target`… */
  readonly name: string;
  /** Comment lines at the top of the file. */
  readonly header: readonly string[];
  readonly sections: readonly UnitSection[];
}

export function setting(key: string, value: string): UnitLine {
  return { key, value };
}

export function note(text: string): UnitLine[] {
  return text.split("\n").map((comment) => ({ comment }));
}

export function renderUnit(unit: UnitFile): string {
  const out: string[] = unit.header.flatMap((line) => line.split("\n")).map(commentLine);
  for (const section of unit.sections) {
    if (out.length > 0) out.push("");
    out.push(`[${section.name}]`);
    for (const line of section.lines) out.push("comment" in line ? commentLine(line.comment) : `${line.key}=${line.value}`);
  }
  return `${out.join("\n")}\n`;
}

function commentLine(text: string): string {
  return text === "" ? "#" : `# ${text}`;
}

/** A value taken literally, where systemd only expands specifiers (paths, names, descriptions). */
export function literal(text: string): string {
  return text.replace(/%/g, "%%").replace(/[\r\n]+/g, " ");
}

const PLAIN_WORD = /^[A-Za-z0-9_./:=,+@-]+$/;

function cEscape(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === "\\") out += "\\\\";
    else if (char === '"') out += '\\"';
    else if (char === "\n") out += "\\n";
    else if (char === "\t") out += "\\t";
    else if (char === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += char;
  }
  return out;
}

/** One word of `ExecStart=`: never split, never expanded, whatever it holds. */
export function execWord(word: string): string {
  // A lone `;` would separate two command lines.
  if (word === ";") return "\\;";
  const escaped = word.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (PLAIN_WORD.test(word)) return escaped;
  return `"${cEscape(escaped)}"`;
}

/** `ExecStart=`'s value: the program must be absolute or a bare name systemd finds itself. */
export function execLine(argv: readonly string[]): string {
  return argv.map(execWord).join(" ");
}

/** One `Environment=` value: `"NAME=value"`; `$` means nothing there, `%` still does. */
export function envAssignment(name: string, value: string): string {
  return `"${cEscape(`${name}=${value}`.replace(/%/g, "%%"))}"`;
}

/** Milliseconds as a systemd time span: `100ms`, `30s`, `5min`. */
export function timespan(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  const s = ms / 1000;
  return s >= 60 && s % 60 === 0 ? `${s / 60}min` : `${s}s`;
}
