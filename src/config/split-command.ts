/**
 * `command: "python3 -m worker --queue 'high prio'"` → argv, split as a shell would.
 *
 * No shell runs the result, so anything only a shell could do — pipes, `&&`, redirections,
 * globs, `$VAR`, `$(…)`, backticks, `~`, `VAR=x cmd` — is refused with the fix, rather than
 * reaching the program as a literal argument.
 */
import { parse } from "shell-quote";

export type SplitResult =
  { readonly ok: true; readonly argv: readonly string[] } | { readonly ok: false; readonly message: string; readonly hint: string };

const USE_ARGV = 'write an argv list (`[prog, arg, …]`), or run a shell yourself: `[sh, -c, "…"]`';

function fail(message: string, hint = USE_ARGV): SplitResult {
  return { ok: false, message, hint };
}

/** What shell-quote lets through silently: unclosed quotes, backticks, expansions. */
function scan(text: string): SplitResult | undefined {
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      continue;
    }
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === quote) quote = undefined;
    else if (quote === undefined && (c === "'" || c === '"')) quote = c;
    else if (c === "`") return fail("the command string has a backtick (command substitution)");
    else if (c === "$" && /[({A-Za-z_0-9@*#?$!-]/.test(text[i + 1] ?? "")) {
      return fail(
        `the command string has a shell expansion \`${text.slice(i, i + 2)}…\``,
        'put variables in `env:` and read them in the program, or run `[sh, -c, "…"]`',
      );
    }
  }
  if (quote !== undefined)
    return fail(`the command string has an unclosed ${quote === "'" ? "single" : "double"} quote`, "close the quote");
  return undefined;
}

export function splitCommand(text: string): SplitResult {
  const refused = scan(text);
  if (refused) return refused;
  const argv: string[] = [];
  for (const entry of parse(text)) {
    if (typeof entry === "string") {
      argv.push(entry);
    } else if ("comment" in entry) {
      return fail("the command string has a `#` comment");
    } else if (entry.op === "glob") {
      return fail(`the command string has a glob \`${entry.pattern}\`, and no shell expands it`);
    } else {
      return fail(`the command string has the shell operator \`${entry.op}\`, and no shell runs it`);
    }
  }
  const first = argv[0];
  if (first === undefined) return fail("the command string is empty", "write the program to run: `command: [python3, worker.py]`");
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) {
    return fail(`the command string starts with the assignment \`${first}\``, "put variables in the site's `env:`");
  }
  const tilde = argv.find((word) => word === "~" || word.startsWith("~/"));
  if (tilde !== undefined) return fail(`\`${tilde}\` would need a shell to expand \`~\``, "write the full path");
  return { ok: true, argv };
}
