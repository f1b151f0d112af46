/**
 * Loading the site's application: its module, then its middleware around it.
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { describeLoadError, type ErrorContext } from "./describe-error.js";
import { failed, loaded, type Loaded } from "./failure.js";
import { findApplication, type ServedApplication } from "./find-application.js";
import { applyMiddleware } from "./middleware.js";
import { findServerHooks, type ServerHooks } from "./server-hooks.js";
import { importForSite } from "./site-import.js";

export interface AppRequest {
  /** Absolute path of the app module. */
  readonly file: string;
  readonly middleware: readonly string[];
  readonly cwd: string;
}

export interface LoadedApp {
  readonly application: ServedApplication;
  readonly serverHooks: ServerHooks;
}

export async function loadApplication(request: AppRequest, recentFiles: ErrorContext["recentFiles"]): Promise<Loaded<LoadedApp>> {
  const { file } = request;
  if (!existsSync(file)) return failed({ file, message: `app module ${file} does not exist` });
  let namespace: Record<string, unknown>;
  try {
    namespace = await importForSite(pathToFileURL(file).href);
  } catch (error) {
    return failed(await describeLoadError(error, { file, recentFiles }));
  }
  const found = findApplication(namespace, file);
  if (!found.ok) return found;
  const serverHooks = findServerHooks(namespace, file);
  if (!serverHooks.ok) return serverHooks;
  const application = await applyMiddleware(found.value, request.middleware, request.cwd, recentFiles);
  if (!application.ok) return application;
  return loaded({ application: application.value, serverHooks: serverHooks.value });
}
