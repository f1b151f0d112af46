/**
 * `user:` / `group:` → uid / gid, read from /etc/passwd and /etc/group (Node has no getpwnam).
 * Numeric ids are accepted as they are.
 */
import fs from "node:fs";

export type Accounts =
  { readonly ok: true; readonly uid?: number; readonly gid?: number } | { readonly ok: false; readonly message: string };

export function resolveAccounts(user: string | undefined, group: string | undefined): Accounts {
  if (user === undefined && group === undefined) return { ok: true };
  if (process.getuid?.() !== 0) {
    return { ok: false, message: "user:/group: need the supervisor to run as root (it then drops to that account for the site)" };
  }
  let uid: number | undefined;
  let gid: number | undefined;
  if (user !== undefined) {
    const entry = lookup("/etc/passwd", user);
    if (entry === undefined) return { ok: false, message: `no such user \`${user}\`` };
    uid = Number(entry[2]);
    gid = Number(entry[3]);
  }
  if (group !== undefined) {
    const entry = lookup("/etc/group", group);
    if (entry === undefined) return { ok: false, message: `no such group \`${group}\`` };
    gid = Number(entry[2]);
  }
  return { ok: true, ...(uid === undefined ? {} : { uid }), ...(gid === undefined ? {} : { gid }) };
}

function lookup(file: string, name: string): string[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields[0] === name || (/^\d+$/.test(name) && fields[2] === name)) return fields;
  }
  if (/^\d+$/.test(name)) return [name, "x", name, name];
  return undefined;
}
