/**
 * A site's module failing to load is an expected failure, so it travels as a value: the
 * worker reports it on the notify pipe and exits 1; nothing throws past `main.ts`.
 */

/** What went wrong and where; `line` and `column` are 1-based. */
export interface LoadFailure {
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** The stack, for stderr; never sent on the pipe. */
  readonly stack?: string;
}

export type Loaded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: LoadFailure };

export function loaded<T>(value: T): Loaded<T> {
  return { ok: true, value };
}

export function failed<T>(failure: LoadFailure): Loaded<T> {
  return { ok: false, failure };
}

/** `file:line:column: message`, the form editors and terminals link. */
export function formatFailure(failure: LoadFailure): string {
  if (failure.file === undefined) return failure.message;
  const position = failure.line === undefined ? "" : `:${failure.line}${failure.column === undefined ? "" : `:${failure.column}`}`;
  return `${failure.file}${position}: ${failure.message}`;
}
