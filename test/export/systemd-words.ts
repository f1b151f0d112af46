/**
 * systemd's reading of `ExecStart=` and `Environment=` values, for the subset the export writes:
 * whitespace-separated words, `"…"` quoting with C escapes, `\;`, specifiers (`%%`, `%i`) and, in
 * `ExecStart=`, `$$`. Written from the systemd.service(5) and systemd.syntax(7) rules, separately
 * from the exporter's quoting, so the round trip checks one against the other.
 */
export function systemdWords(text: string, options: { readonly exec: boolean; readonly instance?: string }): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? "";
    if (!quoted && /\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      continue;
    }
    word ??= "";
    if (char === '"') {
      quoted = !quoted;
      continue;
    }
    if (char === "\\") {
      const next = text[i + 1] ?? "";
      i += 1;
      if (next === "x") {
        word += String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        word += ({ n: "\n", t: "\t", r: "\r" } as Record<string, string>)[next] ?? next;
      }
      continue;
    }
    if (char === "%") {
      const next = text[i + 1] ?? "";
      i += 1;
      if (next === "%") word += "%";
      else if (next === "i" && options.instance !== undefined) word += options.instance;
      else throw new Error(`specifier %${next} in ${text}`);
      continue;
    }
    if (char === "$" && options.exec) {
      if (text[i + 1] !== "$") throw new Error(`variable expansion in ${text}`);
      i += 1;
      word += "$";
      continue;
    }
    word += char;
  }
  if (quoted) throw new Error(`unterminated quote in ${text}`);
  if (word !== undefined) words.push(word);
  return words;
}

/** `Environment=` values → variables. */
export function systemdEnv(assignments: readonly string[], instance?: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const assignment of assignments) {
    for (const word of systemdWords(assignment, { exec: false, ...(instance === undefined ? {} : { instance }) })) {
      const eq = word.indexOf("=");
      env[word.slice(0, eq)] = word.slice(eq + 1);
    }
  }
  return env;
}
