/**
 * Where the worker puts the site's settings for `import { settings } from "tsgi"` to find.
 *
 * A `globalThis` slot under a registered symbol, not a module variable: the app may reach
 * tsgi's public module by a different path than the worker did (ESM or `require`, `dist/` or
 * `src/`, even a second installed copy), and every copy must hand out the same object.
 */

const SLOT = Symbol.for("tsgi.settings");

/** What `settings` is when the site names no settings module. */
const NO_SETTINGS: Readonly<Record<string, unknown>> = Object.freeze({});

type Slotted = typeof globalThis & { [SLOT]?: unknown };

/** Called once by the worker, after loading the settings module and before loading the app. */
export function publishSettings(value: unknown): void {
  (globalThis as Slotted)[SLOT] = value;
}

export function readSettings(): unknown {
  return (globalThis as Slotted)[SLOT] ?? NO_SETTINGS;
}
