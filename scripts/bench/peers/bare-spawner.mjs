// The floor: a few lines that start each program and start it again the moment it exits. No
// readiness, no backoff, no socket of its own; every supervisor is measured against this.
import { spawn } from "node:child_process";
import fs from "node:fs";
const children = new Set();
let stopping = false;
const run = (site) => {
  const out = site.out ? fs.openSync(site.out, "a") : "ignore";
  const child = spawn(site.argv[0], site.argv.slice(1), { cwd: site.cwd, env: site.env, stdio: ["ignore", out, out] });
  if (typeof out === "number") fs.closeSync(out);
  children.add(child);
  child.on("exit", () => (children.delete(child), stopping || run(site)));
};
process.on("SIGTERM", () => {
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  setInterval(() => children.size === 0 && process.exit(0), 20);
});
JSON.parse(fs.readFileSync(process.argv[2], "utf8")).forEach(run);
