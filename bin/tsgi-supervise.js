#!/usr/bin/env node
// Thin launcher: `npm install` (the prepare script) or `npm run build` compiles the CLI to dist/
// and bundles it into dist/bundle/ (scripts/build.mjs), which starts much faster; a dist/ built
// by plain tsc still runs.
//
// The control commands come from a CommonJS bundle of their own (src/cli/control-main.ts): one
// that sends one request costs little more than Node's own start-up. Node's modules are taken
// with require() here too: importing `node:fs` from ESM builds a facade of all its exports, which
// loads the streams (a few ms of every command).
import { createRequire } from "node:module";

/** The commands of control-main.ts (test/unit/cli/bin-routing.test.ts keeps this list right). */
const CONTROL_COMMANDS = new Set(["status", "start", "stop", "restart", "reload", "reload-config", "logs"]);

const require = createRequire(import.meta.url);
const fs = require("node:fs");
const argv = process.argv.slice(2);
const control = new URL("../dist/bundle/control.cjs", import.meta.url);
const bundled = new URL("../dist/bundle/main.js", import.meta.url);

let running;
if (CONTROL_COMMANDS.has(argv[0]) && fs.existsSync(control)) running = require(control.pathname).controlMain(argv);
if (running === undefined) {
  const { main } = await import(fs.existsSync(bundled) ? bundled.href : "../dist/cli/main.js");
  running = main(argv);
}
running.then(
  (code) => {
    // Every command has finished its work and closed what it opened; exit now rather than
    // wait on a handle some library left behind.
    process.exit(code);
  },
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
