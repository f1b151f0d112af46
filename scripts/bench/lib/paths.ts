/** Where things are, relative to this file (nothing of the machine's own layout). */
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = path.resolve(BENCH, "..", "..");
export const FIXTURE = path.join(BENCH, "fixture");
export const NODE_MODULES_BIN = path.join(REPO, "node_modules", ".bin");
