/**
 * The last failed reload of each site, until a reload or start succeeds. A syntax error saved
 * under `--watch` fails the reload and keeps the old generation serving; through the router the
 * browser is shown the error instead of stale code, and the fixing save's successful reload
 * turns the page back into the site.
 */
import type { SupervisorEvents } from "../supervisor/events.js";

export class FailedReloads {
  readonly #errors = new Map<string, string>();
  readonly #off: Array<() => void>;

  constructor(events: SupervisorEvents) {
    this.#off = [
      events.on("reload-finished", (event) => {
        if (event.ok) this.#errors.delete(event.site);
        else this.#errors.set(event.site, event.error ?? "the reload failed");
      }),
      events.on("start-finished", (event) => {
        if (event.ok) this.#errors.delete(event.site);
      }),
      events.on("site-removed", (event) => this.#errors.delete(event.site)),
    ];
  }

  /** The error of the site's last reload, when it failed and nothing has succeeded since. */
  of(site: string): string | undefined {
    return this.#errors.get(site);
  }

  close(): void {
    for (const off of this.#off) off();
  }
}
