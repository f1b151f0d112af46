/**
 * Finding a module's application and telling how to call it (rules in `src/index.ts`).
 */
import type { ApplicationKind } from "../index.js";
import { failed, loaded, type Loaded } from "./failure.js";
import { exportNamed, exportNames, type Exports } from "./module-exports.js";

/** An application with its kind settled: what the worker serves. */
export type ServedApplication =
  | { readonly kind: "fetch"; readonly original: unknown; readonly fetch: (request: Request, ...rest: unknown[]) => unknown }
  | { readonly kind: "node"; readonly original: unknown; readonly handle: (...args: unknown[]) => unknown };

const EXPECTED =
  "a Fetch handler (request) => Response, an object with a fetch(request) method, " + "or a Node handler (req, res) such as an Express app";

export function findApplication(namespace: Exports, file: string): Loaded<ServedApplication> {
  const declared = declaredKind(namespace, file);
  if (!declared.ok) return declared;
  const named = exportNamed(namespace, "application");
  const exportName = named === undefined ? "default" : "application";
  const application = named ?? exportNamed(namespace, "default");
  if (application === undefined) {
    const names = exportNames(namespace);
    return failed({
      file,
      message:
        `no application exported: expected an \`application\` export or a default export, ` +
        `${EXPECTED}; it exports ${names.length === 0 ? "nothing" : names.join(", ")}`,
    });
  }
  return settle(application, declared.value, undefined, `the \`${exportName}\` export of ${file}`, file);
}

/**
 * Settles an application's kind: as `declared` if the module declared one, else by its shape;
 * a function declaring no parameters keeps the kind of the application it `wraps`, if any.
 */
export function settle(
  application: unknown,
  declared: ApplicationKind | undefined,
  wraps: ApplicationKind | undefined,
  what: string,
  file: string | undefined,
): Loaded<ServedApplication> {
  const fetchMethod = typeof application === "object" && application !== null ? fetchOf(application) : undefined;
  if (fetchMethod !== undefined && declared !== "node") return loaded({ kind: "fetch", original: application, fetch: fetchMethod });
  if (typeof application === "function") {
    const call = (...args: unknown[]): unknown => Reflect.apply(application, undefined, args);
    const kind = declared ?? shapeKind(application as (...args: never[]) => unknown, wraps);
    return loaded(kind === "fetch" ? { kind, original: application, fetch: call } : { kind, original: application, handle: call });
  }
  return failed({
    ...(file === undefined ? {} : { file }),
    message: `${what} is ${describe(application)}, not an application: expected ${EXPECTED}`,
  });
}

function fetchOf(application: object): ((request: Request, ...rest: unknown[]) => unknown) | undefined {
  const method: unknown = (application as { fetch?: unknown }).fetch;
  // Bound: Hono and friends read `this` inside `fetch`. The rest is `{ incoming, outgoing }`,
  // the Node bindings Hono's `c.env` shows (as under `@hono/node-server`).
  return typeof method === "function" ? (...args): unknown => Reflect.apply(method, application, args) : undefined;
}

function shapeKind(handler: (...args: never[]) => unknown, wraps: ApplicationKind | undefined): ApplicationKind {
  const methods = handler as unknown as { handle?: unknown; listen?: unknown };
  if (typeof methods.handle === "function" || typeof methods.listen === "function") return "node";
  if (handler.length >= 2) return "node";
  if (handler.length === 1) return "fetch";
  return wraps ?? "fetch";
}

/** A module's `export const kind`, checked. */
export function declaredKind(namespace: Exports, file: string): Loaded<ApplicationKind | undefined> {
  const kind = exportNamed(namespace, "kind");
  if (kind === undefined || kind === "fetch" || kind === "node") return loaded(kind);
  return failed({ file, message: `\`kind\` is ${JSON.stringify(kind)}; expected "fetch" or "node"` });
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (isServer(value)) return "a server; export its request listener instead (the function given to createServer)";
  if (typeof value !== "object") return `a ${typeof value}`;
  const methods = value as { callback?: unknown; listen?: unknown };
  if (typeof methods.callback === "function" && typeof methods.listen === "function") {
    return "a Koa-like app; export app.callback() instead";
  }
  const keys = Object.keys(value);
  return keys.length === 0 ? "an object without a fetch method" : `an object with ${keys.slice(0, 8).join(", ")} but no fetch method`;
}

/** By shape, not `instanceof net.Server`: importing `node:net` by name loads more of Node than the worker needs. */
function isServer(value: unknown): boolean {
  const server = value as { listen?: unknown; address?: unknown; getConnections?: unknown } | null;
  return (
    typeof server === "object" &&
    server !== null &&
    [server.listen, server.address, server.getConnections].every((m) => typeof m === "function")
  );
}
