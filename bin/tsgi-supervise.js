#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (the prepare script) or `npm run build`.
import { main } from "../dist/cli/main.js";

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
