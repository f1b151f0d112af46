#!/usr/bin/env node
// Thin launcher: `npm install` (the prepare script) or `npm run build` compiles the CLI to dist/
// and bundles it into dist/bundle/ (scripts/build.mjs), which starts much faster; a dist/ built
// by plain tsc still runs.
//
// CommonJS (bin/package.json), unlike the rest of the package: the control commands (`status`,
// `reload NAME`, …) and `run` start from a CommonJS bundle of their own (src/cli/entry.ts), so
// they load no ES module at all: a control command costs little more than Node's own start-up
// (an ESM entry costs ~5 ms more, measured), and the supervisor starts without the ESM loader.
// Every other command imports the ESM bundle as before.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const argv = process.argv.slice(2);
const dist = path.join(__dirname, "..", "dist");

function run() {
  const bundle = path.join(dist, "bundle");
  const entry = path.join(bundle, "entry.cjs");
  if (fs.existsSync(entry)) {
    const running = require(entry).entryMain(argv, bundle);
    if (running !== undefined) return running;
  }
  const { pathToFileURL } = require("node:url");
  const bundled = path.join(bundle, "main.js");
  const main = fs.existsSync(bundled) ? bundled : path.join(dist, "cli", "main.js");
  return import(pathToFileURL(main).href).then((loaded) => loaded.main(argv));
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
