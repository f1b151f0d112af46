/**
 * Which files belong to the site, as opposed to its dependencies or tsgi itself: those are the
 * ones worth watching for hot reload and worth naming in an error.
 */
import { isAbsolute, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** tsgi's own compiled (`dist/`) or source (`src/`) folder, whichever this worker runs from. */
const ownRoot = fileURLToPath(new URL("..", import.meta.url));

export function isSiteFile(path: string): boolean {
  return isAbsolute(path) && !path.includes(`${sep}node_modules${sep}`) && !path.startsWith(ownRoot);
}

/** A stack frame's location: a path, or a `file:` URL as ESM stacks print them. */
export function toPath(location: string): string {
  return location.startsWith("file:") ? fileURLToPath(location) : location;
}
