/**
 * tsgi's public API, for the code of an `app:` site.
 *
 * ## The application
 *
 * The module named by `app:` exports its application as `application`, or else as `default`.
 * An application is one of:
 *
 * - a {@link FetchHandler} — `(request: Request) => Response | Promise<Response>`;
 * - a {@link FetchApplication} — an object with such a `fetch(request)` method (Hono, itty…);
 * - a {@link NodeHandler} — `(req, res)` as `http.createServer` takes it (Express and Connect
 *   apps, Koa's `app.callback()`).
 *
 * The worker tells them apart by shape: an object with `fetch` is a Fetch application; a
 * function that looks like Express (`handle` or `listen` methods) or declares two or more
 * parameters is a Node handler; a function declaring one parameter is a Fetch handler. A
 * function declaring none (`(...args) => …`) is taken for the kind of the application it wraps
 * when a middleware returned it, else for a Fetch handler. Where the shape misleads, the module
 * says what it exports: `export const kind = "node"` (or `"fetch"`) — see {@link ApplicationKind}.
 *
 * ## Middleware
 *
 * `middleware: [a, b]` loads each module's `default` export (or else its `middleware` export), a
 * {@link Middleware}, and applies them in list order: the first wraps the application, the
 * second wraps what the first returned, and so on. So the *last* one listed is outermost: it sees
 * each request first and each response last. For `[a, b]` the served application is
 * `b(a(application))`, and a request runs `b → a → application → a → b`.
 *
 * A middleware receives the application as its module exported it (Fetch or Node; the second
 * argument says which) and returns an application of either kind. A middleware module may
 * `export const kind` to state the kind of the application its function returns.
 *
 * ## Settings
 *
 * The site's settings module (`settings:` in sites.yaml, passed in `TSGI_SETTINGS_MODULE` or
 * the variable `settingsVar:` names) is loaded once, before the application, and is
 * {@link settings}. tsgi need not be installed where the app lives: the worker resolves the
 * specifier `"tsgi"` to itself.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readSettings } from "./worker/settings-slot.js";

/** A handler of the Fetch API: a standard `Request` in, a `Response` (or its promise) out. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** An object serving requests through a Fetch `fetch` method (Hono, itty-router, Elysia…). */
export interface FetchApplication {
  fetch(request: Request): Response | Promise<Response>;
}

/** A Node request listener, as `http.createServer` takes it: Express, Connect, Koa's `callback()`. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** What an `app:` module exports as `application` or `default`. */
export type Application = FetchHandler | FetchApplication | NodeHandler;

/**
 * How an application is called: `"fetch"` (a `Request` in, a `Response` out) or `"node"`
 * (`(req, res)`). A module may export `kind` with one of these to override detection by shape.
 */
export type ApplicationKind = "fetch" | "node";

/** What the worker tells a middleware about the application it is given. */
export interface MiddlewareContext {
  /** The kind of the application being wrapped. */
  readonly kind: ApplicationKind;
}

/**
 * Wraps an application and returns an application (of either kind), synchronously or not.
 * Applied in list order: the first listed wraps the app, the last listed is outermost.
 */
export type Middleware = (app: Application, context: MiddlewareContext) => Application | Promise<Application>;

/** The site's settings: the settings module's exports. */
export type Settings = Readonly<Record<string, unknown>>;

/**
 * The site's settings, loaded once by the worker before the application.
 *
 * - A module with named exports gives its module namespace (`settings.DEBUG` is its
 *   `export const DEBUG`).
 * - A module whose only export is `default` (`export default {…}`), a CommonJS module
 *   (`module.exports = {…}`) or a JSON file gives that value.
 * - No settings module: an empty frozen object.
 *
 * Bound when this module is first evaluated: a settings module that imports `tsgi` itself sees
 * the empty object here; it can call {@link getSettings} later instead.
 */
export const settings: Settings = readSettings() as Settings;

/** The site's settings, read at call time; the type parameter is for the caller's convenience. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- public API: the caller names its settings type
export function getSettings<T = Settings>(): T {
  return readSettings() as T;
}
