/**
 * tsgi's worker: serves one `app:` site. The supervisor runs `node dist/worker/main.js` in the
 * site's cwd with:
 *
 * - `TSGI_APP`          absolute path of the app module (relative paths are taken from the cwd)
 * - `TSGI_MIDDLEWARE`   JSON array of middleware modules: absolute paths or package names
 * - `TSGI_SETTINGS_VAR` name of the settings variable (default `TSGI_SETTINGS_MODULE`), which
 *                       holds the dotted settings module, e.g. `beta.settings.prod`
 * - `TSGI_FD=3`         the bound listening socket; `TSGI_NOTIFY_FD=4` the notify pipe
 * - `TSGI_STOP_SIGNAL`  the graceful stop signal (default SIGTERM; SIGTERM and SIGINT also drain)
 * - `TSGI_MODULE_HOOKS=1` install tsx and tsgi's module hooks whatever the site's files look
 *                       like (by default only what `site-graph.ts` finds the site needs)
 *
 * It loads settings, then the app and its middleware, listens, and writes `ready` and then
 * `loaded` on the notify pipe; a load failure writes `error` (with file and line when known)
 * and exits 1. A stop signal drains it and it exits 0.
 */
import { isAbsolute, resolve } from "node:path";
import { describeThrown } from "./describe-error.js";
import type { LoadFailure } from "./failure.js";
import { installHooks } from "./hooks.js";
import { loadApplication } from "./load-app.js";
import { parseMiddlewareList } from "./middleware.js";
import { openNotifier, type Notifier } from "./notifier.js";
import { formatLoadFailure } from "./report.js";
import { requestListener } from "./request-listener.js";
import { listenTarget, serve } from "./serve.js";
import { findSettingsFile, loadSettings, settingsRequest } from "./settings.js";
import { hookModeFor, isPathLike, scanSiteGraph } from "./site-graph.js";
import { publishSettings } from "./settings-slot.js";
import { isSiteFile } from "./site-files.js";
import { exitWhenOrphaned } from "./orphan-watch.js";
import { installStopSignals, parseStopSignal } from "./stop-signals.js";

const log = (message: string): void => console.error(`tsgi worker: ${message}`);

async function main(notifier: Notifier): Promise<LoadFailure | undefined> {
  const env = process.env;
  const stopSignal = parseStopSignal(env["TSGI_STOP_SIGNAL"], log);
  const stopSignals = installStopSignals(stopSignal, process);
  const supervised = env["TSGI_NOTIFY_FD"] !== undefined;
  const guard = guardProcess(notifier);

  const cwd = process.cwd();
  const appPath = env["TSGI_APP"];
  if (appPath === undefined || appPath === "") return { message: "TSGI_APP is not set: it names the app module to serve" };
  const middleware = parseMiddlewareList(env["TSGI_MIDDLEWARE"]);
  if (!middleware.ok) return middleware.failure;
  const target = listenTarget(env);
  if (!target.ok) return target.failure;
  // As sd_listen_fds does: a program the app spawns must not think these sockets are its own.
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- env is a plain record of variables: removing one is what delete is for
  for (const name of ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "TSGI_FD", "TSGI_NOTIFY_FD"]) delete env[name];

  // Settings first: the app may read them while it loads.
  const request = settingsRequest(env);
  const settingsFile = request === undefined ? undefined : findSettingsFile(request, cwd);
  const appFile = isAbsolute(appPath) ? appPath : resolve(cwd, appPath);
  const graph = scanSiteGraph([
    ...(settingsFile?.ok === true ? [settingsFile.value] : []),
    appFile,
    ...middleware.value.filter(isPathLike).map((m) => resolve(cwd, m)),
  ]);
  const hooks = await installHooks(cwd, hookModeFor(graph, middleware.value, env["TSGI_MODULE_HOOKS"]), graph.files);
  const siteFiles = async (): Promise<string[]> => (await hooks.loadedFiles()).filter(isSiteFile);
  // Most recent first; then the files read but not (yet) compiled, where a syntax error that
  // V8 reports without a location may be, when no hook saw the source go by.
  const recentFiles = async (): Promise<string[]> => {
    const loaded = (await siteFiles()).reverse();
    return [...new Set([...loaded, ...graph.files.filter(isSiteFile)])];
  };

  const settings = request === undefined ? undefined : await loadSettings(request, cwd, recentFiles);
  // Even a failed start reports what it loaded: hot reload then watches the broken file too,
  // wherever it lives, and the save that fixes it recovers the site.
  const failed = async (found: LoadFailure): Promise<LoadFailure> => {
    const failure = hintHooks(found);
    // The file that failed to load is not among the loaded ones, and is the one to watch most.
    const files = new Set(await siteFiles());
    if (failure.file !== undefined && isSiteFile(failure.file)) files.add(failure.file);
    notifier.send({ type: "loaded", files: [...files] });
    return failure;
  };
  if (settings !== undefined && !settings.ok) return failed(settings.failure);
  if (settings !== undefined) publishSettings(settings.value.value);

  const app = await loadApplication({ file: appFile, middleware: middleware.value, cwd }, recentFiles);
  if (!app.ok) return failed(app.failure);

  const listener = await requestListener(app.value.application, log);
  const serving = await serve(listener, app.value.serverHooks, target.value, log);
  if (!serving.ok) return failed(serving.failure);
  stopSignals.serving(serving.value.drainable);
  guard.serving();
  if (supervised) exitWhenOrphaned(stopSignal, log);

  notifier.send({ type: "ready", pid: process.pid });
  // JSON settings are read, not imported, so no hook saw them.
  const files = new Set(await siteFiles());
  if (settings !== undefined) files.add(settings.value.file);
  notifier.send({ type: "loaded", files: [...files] });
  return undefined;
}

/** A `"tsgi"` import the site graph did not see (a computed `import()`, a package): say what to do. */
function hintHooks(failure: LoadFailure): LoadFailure {
  if (!/Cannot find (package|module) 'tsgi'/.test(failure.message)) return failure;
  return {
    ...failure,
    message: `${failure.message} (the worker maps "tsgi" when it sees the import in the site's files; set TSGI_MODULE_HOOKS=1 in the site's env to map it everywhere)`,
  };
}

interface ProcessGuard {
  serving(): void;
}

/**
 * An exception nobody caught leaves the app in an unknown state: before serving it is a load
 * failure like any other; once serving, the worker logs it and exits 1 for the supervisor to
 * replace it. A rejected promise nobody awaited (an async Express 4 route) is logged only, so
 * one bad request does not take the worker down.
 */
function guardProcess(notifier: Notifier): ProcessGuard {
  let serving = false;
  process.on("uncaughtException", (error) => {
    if (!serving) fail(notifier, describeThrown(error));
    log(`uncaught exception, exiting: ${error.stack ?? error.message}`);
    process.exit(1);
  });
  process.on("unhandledRejection", (reason) => {
    log(`unhandled promise rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  });
  return {
    serving() {
      serving = true;
    },
  };
}

function fail(notifier: Notifier, failure: LoadFailure): never {
  log(formatLoadFailure(failure));
  const { message, file, line, column } = failure;
  notifier.send({
    type: "error",
    message,
    ...(file === undefined ? {} : { file }),
    ...(line === undefined ? {} : { line }),
    ...(column === undefined ? {} : { column }),
  });
  process.exit(1);
}

const notifier = openNotifier(process.env);
const failure = await main(notifier);
if (failure !== undefined) fail(notifier, failure);
