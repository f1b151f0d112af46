/**
 * Module hooks, run by Node on its hooks thread (`module.register` in `hooks.ts`).
 *
 * - `"tsgi"` resolves to this package's own public module, so an app can
 *   `import { settings } from "tsgi"` without tsgi installed beside it.
 * - Bare specifiers the worker imports on the site's behalf (middleware packages) resolve from
 *   the site's cwd, as if the site had imported them, not from tsgi's own folder.
 * - Every `file:` module loaded is reported back, so the supervisor can watch exactly those.
 *
 * Keep this module free of imports: it is loaded on a thread of its own.
 */
import type { InitializeHook, LoadHook, ResolveHook } from "node:module";
import type { MessagePort } from "node:worker_threads";

export interface HookData {
  /** URL of tsgi's public module (`dist/index.js`). */
  readonly indexURL: string;
  /** URL of `site-import.ts`: bare specifiers it imports resolve from `cwdURL`. */
  readonly siteImporterURL: string;
  /** The site's cwd as a directory URL (trailing slash). */
  readonly cwdURL: string;
  readonly port: MessagePort;
}

/** Hooks thread → worker. */
export type HookMessage = { readonly type: "loaded"; readonly url: string } | { readonly type: "flushed"; readonly id: number };

/** Worker → hooks thread: answered with `flushed` after every `loaded` sent before it. */
export interface FlushRequest {
  readonly type: "flush";
  readonly id: number;
}

let data: HookData | undefined;

export const initialize: InitializeHook<HookData> = (given) => {
  data = given;
  given.port.on("message", (message: Partial<FlushRequest>) => {
    // Messages on one port arrive in order, so this reply follows every report already sent.
    if (message.type === "flush" && message.id !== undefined) post({ type: "flushed", id: message.id });
  });
  given.port.unref();
};

export const resolve: ResolveHook = (specifier, context, nextResolve) => {
  if (data === undefined) return nextResolve(specifier, context);
  // Through the rest of the chain, not short-circuited: tsx's load expects its resolve's work.
  if (specifier === "tsgi") return nextResolve(data.indexURL, context);
  if (context.parentURL === data.siteImporterURL && isBare(specifier)) {
    return nextResolve(specifier, { ...context, parentURL: data.cwdURL });
  }
  return nextResolve(specifier, context);
};

export const load: LoadHook = async (url, context, nextLoad) => {
  const result = await nextLoad(url, context);
  if (url.startsWith("file:")) post({ type: "loaded", url });
  return result;
};

function post(message: HookMessage): void {
  data?.port.postMessage(message);
}

/** `express`, `@scope/pkg/sub` — not `./x`, `/x`, `file:…`, `node:…`, `#imports`. */
function isBare(specifier: string): boolean {
  return !/^[./#]/.test(specifier) && !/^[a-z][a-z0-9+.-]*:/i.test(specifier);
}
