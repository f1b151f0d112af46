#!/usr/bin/env node
// Thin launcher: `npm install` (the prepare script) or `npm run build` compiles the CLI to dist/
// and bundles it into dist/bundle/ (scripts/build.mjs), which starts much faster; a dist/ built
// by plain tsc still runs.
import fs from "node:fs";

const bundled = new URL("../dist/bundle/main.js", import.meta.url);
const { main } = await import(fs.existsSync(bundled) ? bundled.href : "../dist/cli/main.js");

main(process.argv.slice(2)).then(
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
