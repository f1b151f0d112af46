/**
 * Bundles the compiled worker (`dist/worker/main.js`) into that one file, after `tsc`.
 *
 * Node loads an ES module graph file by file: the worker's 25 small modules cost ~20 ms of CPU
 * at every start, as much as the rest of its start beyond a bare `node:http` server (issue 13;
 * the `worker` rows of BENCHMARKS.md). One file costs ~1 ms. What stays a file of its own:
 * tsx (it registers its hooks by its own path), `resolve-hooks.js` (registered by path onto the
 * hooks thread), `fetch-listener.js` (Fetch applications only), and `dist/index.js`, tsgi's
 * public module, which apps import as `"tsgi"`.
 *
 * `node --import tsx scripts/bundle-worker.ts [main.js]` (the default: this checkout's dist/).
 */
import { buildSync } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

export function bundleWorker(main: string): void {
  buildSync({
    entryPoints: [main],
    outfile: main,
    allowOverwrite: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // fetch-listener.js stays a file too, so that @hono/node-server and what it imports (node:http2,
    // tls…) load only for Fetch applications: esbuild hoists a bundled module's builtin imports
    // to the bundle's top, where every worker would load them.
    external: ["tsx", "tsx/*", "./resolve-hooks.js", "./fetch-listener.js"],
    logLevel: "warning",
  });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  bundleWorker(process.argv[2] ?? fileURLToPath(new URL("../dist/worker/main.js", import.meta.url)));
}
