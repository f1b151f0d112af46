/**
 * Python's `shlex.split` (POSIX mode): how supervisord turns `command=` into argv. Quotes and
 * backslashes group words; nothing is expanded, because supervisord runs no shell either.
 * An unclosed quote is a value, with the column where the quote opened.
 */
export type SplitWords =
  { readonly ok: true; readonly argv: string[] } | { readonly ok: false; readonly col: number; readonly message: string };

export function shlexSplit(text: string): SplitWords {
  const argv: string[] = [];
  let word: string | undefined;
  const add = (chars: string): void => {
    word = (word ?? "") + chars;
  };
  let quote: { char: "'" | '"'; at: number } | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (quote?.char === "'") {
      if (c === "'") quote = undefined;
      else add(c);
    } else if (quote?.char === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1] ?? "")) add(text[++i] ?? "");
      else add(c);
    } else if (c === "'" || c === '"') {
      quote = { char: c, at: i };
      word ??= "";
    } else if (c === "\\") {
      word = (word ?? "") + (text[++i] ?? "");
    } else if (/\s/.test(c)) {
      if (word !== undefined) argv.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (quote !== undefined)
    return { ok: false, col: quote.at + 1, message: `the ${quote.char === "'" ? "single" : "double"} quote here is never closed` };
  if (word !== undefined) argv.push(word);
  return { ok: true, argv };
}

/** Does this command line need a shell (expansions, pipes, redirections, `&&`, globs)? */
export function needsShell(text: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (quote === "'") {
      if (c === "'") quote = undefined;
      continue;
    }
    if (c === "\\") {
      i++;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "$" || c === "`") return true;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if ("$`|&;<>()*?[~#".includes(c)) return true;
    else if (c === "=" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(text.slice(0, i).trim())) return true;
  }
  return false;
}
