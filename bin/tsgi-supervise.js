#!/usr/bin/env node
// Thin launcher: `npm install` (the prepare script) or `npm run build` compiles the CLI to dist/
// and bundles it into dist/bundle/ (scripts/build.mjs), which starts much faster; a dist/ built
// by plain tsc still runs.
//
// CommonJS (bin/package.json), unlike the rest of the package: the control commands (`status`,
// `reload NAME`, …) come from a CommonJS bundle of their own (src/cli/control-main.ts), so one
// that sends one request loads no ES module at all and costs little more than Node's own start-up
// (an ESM entry costs ~5 ms more, measured). Every other command imports the ESM bundle as before.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/** The commands of control-main.ts (test/unit/cli/bin-routing.test.ts keeps this list right). */
const CONTROL_COMMANDS = new Set(["status", "start", "stop", "restart", "reload", "reload-config", "logs"]);

const argv = process.argv.slice(2);
const dist = path.join(__dirname, "..", "dist");

function run() {
  const control = path.join(dist, "bundle", "control.cjs");
  if (CONTROL_COMMANDS.has(argv[0]) && fs.existsSync(control)) {
    const running = require(control).controlMain(argv);
    if (running !== undefined) return running;
  }
  const { pathToFileURL } = require("node:url");
  const bundled = path.join(dist, "bundle", "main.js");
  const entry = fs.existsSync(bundled) ? bundled : path.join(dist, "cli", "main.js");
  return import(pathToFileURL(entry).href).then(({ main }) => main(argv));
}

run().then(
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
