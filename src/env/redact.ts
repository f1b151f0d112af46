/**
 * Keeping secrets out of `check`, `status` and logs.
 *
 * A variable is secret by its name (`SECRET_KEY`, `DB_PASSWORD`, `GITHUB_TOKEN`, `API_KEY`…);
 * other values still lose the password of a URL (`postgres://app:hunter2@db/app`), because
 * `DATABASE_URL` is where most deployments keep one.
 */

export const REDACTED = "«redacted»";

const SECRET_NAME = /SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH/i;
/** Names that match the words above but hold nothing secret. */
const NOT_SECRET = /^(AUTHOR|AUTHORS|KEYBOARD|XKB_DEFAULT_LAYOUT|SSH_AUTH_SOCK)$/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET.test(name);
}

/** `scheme://user:password@host` → `scheme://user:«redacted»@host`. */
export function redactUrlPassword(value: string): string {
  return value.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${REDACTED}@`);
}

export function redactValue(name: string, value: string): string {
  return isSecretName(name) ? REDACTED : redactUrlPassword(value);
}

/** A copy of `env` safe to print. */
export function redactEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, redactValue(name, value)]));
}
