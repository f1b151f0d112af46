/**
 * Reading a site module's exports the way its author wrote them, whatever format Node loaded
 * it in. A `.ts` file outside any `"type": "module"` package is compiled to CommonJS by tsx,
 * and Node then shows its `export const x` as `default.x` (with `default.__esModule` set); a
 * CommonJS module shows `module.exports` as `default`.
 */

export type Exports = Readonly<Record<string, unknown>>;

/** The exports record: the namespace, or the transpiled module's `module.exports`. */
export function authoredExports(namespace: Exports): Exports {
  const fallback = namespace["default"];
  return isTranspiledEsm(fallback) ? fallback : namespace;
}

/**
 * One export by name: from the exports record, or from a CommonJS `module.exports = {…}`
 * object literal, whose keys Node's namespace may not list.
 */
export function exportNamed(namespace: Exports, name: string): unknown {
  const exports = authoredExports(namespace);
  if (exports[name] !== undefined) return exports[name];
  const fallback = exports["default"];
  return isPlainObject(fallback) ? fallback[name] : undefined;
}

/** Names the module exports, for error messages. */
export function exportNames(namespace: Exports): string[] {
  const exports = authoredExports(namespace);
  const fallback = exports["default"];
  const names = new Set(Object.keys(exports));
  if (isPlainObject(fallback)) for (const key of Object.keys(fallback)) names.add(`default.${key}`);
  return [...names];
}

/**
 * The one value a module stands for, as a settings object: its default export when that is
 * all it exports (`export default {…}`, `module.exports = …`), else the exports record.
 */
export function moduleValue(namespace: Exports): unknown {
  const exports = authoredExports(namespace);
  const fallback = exports["default"];
  const others = Object.keys(exports).filter((key) => key !== "default");
  if (!("default" in exports)) return exports;
  if (others.length === 0) return fallback;
  // CommonJS: Node lists some of `module.exports`'s keys beside `default`, with the same values.
  if (isPlainObject(fallback) && others.every((key) => exports[key] === fallback[key])) return fallback;
  return exports;
}

function isTranspiledEsm(value: unknown): value is Exports {
  return (typeof value === "object" || typeof value === "function") && value !== null && (value as Exports)["__esModule"] === true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
