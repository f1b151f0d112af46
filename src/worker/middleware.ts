/**
 * Applying the site's middleware: the first listed wraps the application, each next one wraps
 * the result, so the last listed is outermost (the order documented in `src/index.ts`).
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describeLoadError, type ErrorContext } from "./describe-error.js";
import { failed, loaded, type Loaded } from "./failure.js";
import { declaredKind, settle, type ServedApplication } from "./find-application.js";
import { exportNamed, exportNames } from "./module-exports.js";
import { importForSite } from "./site-import.js";
import { isPathLike } from "./site-graph.js";

/** `TSGI_MIDDLEWARE`: a JSON array of absolute paths or package names; unset means none. */
export function parseMiddlewareList(value: string | undefined): Loaded<readonly string[]> {
  if (value === undefined || value.trim() === "") return loaded([]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return failed({ message: `TSGI_MIDDLEWARE is not JSON: ${value}` });
  }
  if (!Array.isArray(parsed) || !parsed.every((item): item is string => typeof item === "string" && item !== "")) {
    return failed({ message: `TSGI_MIDDLEWARE must be a JSON array of module names, got ${value}` });
  }
  return loaded(parsed);
}

export async function applyMiddleware(
  application: ServedApplication,
  specifiers: readonly string[],
  cwd: string,
  recentFiles: ErrorContext["recentFiles"],
): Promise<Loaded<ServedApplication>> {
  let current = application;
  for (const specifier of specifiers) {
    const next = await applyOne(current, specifier, cwd, recentFiles);
    if (!next.ok) return next;
    current = next.value;
  }
  return loaded(current);
}

async function applyOne(
  inner: ServedApplication,
  specifier: string,
  cwd: string,
  recentFiles: ErrorContext["recentFiles"],
): Promise<Loaded<ServedApplication>> {
  const file = isPathLike(specifier) ? resolve(cwd, specifier) : undefined;
  const where = file ?? specifier;
  try {
    const namespace = await importForSite(file === undefined ? specifier : pathToFileURL(file).href);
    const wrap = [exportNamed(namespace, "default"), exportNamed(namespace, "middleware")].find(
      (candidate) => typeof candidate === "function",
    );
    if (typeof wrap !== "function") {
      return failed({
        ...(file === undefined ? {} : { file }),
        message:
          `middleware ${where} exports no function: expected a default or \`middleware\` export ` +
          `(app, { kind }) => app; it exports ${exportNames(namespace).join(", ") || "nothing"}`,
      });
    }
    const declared = declaredKind(namespace, where);
    if (!declared.ok) return declared;
    const wrapped: unknown = await Reflect.apply(wrap, undefined, [inner.original, { kind: inner.kind }]);
    return settle(wrapped, declared.value, inner.kind, `what middleware ${where} returned`, file);
  } catch (error) {
    const failure = await describeLoadError(error, { file: where, recentFiles });
    return failed({ ...failure, message: `middleware ${where}: ${failure.message}` });
  }
}
