/**
 * Which of a site's variables an export must never write.
 *
 * Secret by name (`env/redact.ts`: `SECRET_KEY`, `DB_PASSWORD`, `API_TOKEN`…), and also any value
 * carrying a URL password (`DATABASE_URL=postgres://app:hunter2@db/app`), because that is where
 * most deployments keep one. Such variables are named in the output — so the user knows what to
 * provide — but their values stay out of every file and stream.
 */
import { isSecretName, redactUrlPassword } from "../env/redact.js";

export function looksSecret(name: string, value: string): boolean {
  return isSecretName(name) || redactUrlPassword(value) !== value;
}

export interface EnvSplit {
  /** Safe to write, in the order given. */
  readonly plain: ReadonlyArray<readonly [string, string]>;
  /** Names only: the values are never carried. */
  readonly secret: readonly string[];
}

/** `keep` names are never treated as secret (the settings variable: a module path, needed inline). */
export function splitSecrets(env: Readonly<Record<string, string>>, keep: readonly string[] = []): EnvSplit {
  const plain: Array<readonly [string, string]> = [];
  const secret: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!keep.includes(name) && looksSecret(name, value)) secret.push(name);
    else plain.push([name, value]);
  }
  return { plain, secret };
}
