/**
 * The one place the worker imports the site's modules (app, middleware, settings).
 *
 * `resolve-hooks.ts` recognises this module as the importer and resolves bare specifiers from
 * the site's cwd; so it must import nothing else by a bare name itself.
 */

export const siteImporterURL: string = import.meta.url;

/** `specifier` is a `file:` URL or a bare package name (resolved from the site's cwd). */
export function importForSite(specifier: string): Promise<Record<string, unknown>> {
  return import(specifier) as Promise<Record<string, unknown>>;
}
