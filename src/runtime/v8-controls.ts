/**
 * The two V8 controls the supervisor uses at run time, in one place: its garbage collector and
 * its JIT (Sparkplug and TurboFan). `supervisor/heap-budget.ts` (the heap kept near its live
 * size, the JIT only once the supervisor is CPU-bound) and `logging/young-gc.ts` (collections
 * over the log path's off-heap buffers, the JIT for a flood) both come here, so a flag is set by
 * one module.
 *
 * V8 reads each of these flags when it acts (a collection, an optimisation), so setting them
 * with `v8.setFlagsFromString` after start is effective; the code cache's flag hash is taken
 * when the run path loads (`cli/code-cache.ts`), before any of these.
 */
// node:v8 and node:vm load on first use (`process.getBuiltinModule`): the CommonJS entry imports
// this module for `run`, and a control command (`status`, `reload NAME`) would otherwise load
// node:v8 for nothing (~3 ms of its start, measured with --cpu-prof).
const v8 = {
  setFlagsFromString(flags: string): void {
    process.getBuiltinModule("node:v8").setFlagsFromString(flags);
  },
};

const STATE = Symbol.for("tsgi.v8-controls");

type Collect = (options?: { type?: "major" | "minor" }) => void;

let collector: Collect | null | undefined;

/**
 * V8's `gc()` without `--expose-gc` on the command line: taken once, into a context of its own,
 * so the global `gc` stays unexposed. Undefined if this V8 offers none.
 */
export function v8Collector(): Collect | undefined {
  if (collector === undefined) {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = process.getBuiltinModule("node:vm").runInNewContext("gc");
    v8.setFlagsFromString("--no-expose-gc");
    collector = typeof gc === "function" ? (gc as Collect) : null;
  }
  return collector ?? undefined;
}

/**
 * Whether V8's compilers to machine code are on, kept on the global object: the flags are the
 * process's, and this module has more than one copy in a bundled build (`main.js` turns them off
 * before the run path, `run.cjs`, loads with its own copy), so a module variable would tell each
 * copy a different story.
 */
const state = ((globalThis as { [STATE]?: { jit: boolean } })[STATE] ??= { jit: true });

/**
 * V8's two compilers to machine code off — TurboFan (optimising) and Sparkplug (baseline) — so
 * the supervisor runs on the interpreter (start-up, an idle supervisor: see heap-budget.ts for
 * the measure). Measured at 20 idle sites, Sparkplug off too: supervisor RSS −0.6 to −0.7 MiB
 * (its code in the node binary and its code objects), the first spawn 1–5 ms sooner.
 */
export function jitOff(): void {
  state.jit = false;
  v8.setFlagsFromString("--no-turbofan");
  v8.setFlagsFromString("--no-sparkplug");
}

/**
 * Called before the run path's modules load: the young generation keeps its initial size
 * (start-up allocates a lot that lives briefly, and without this grows it to 8–32 MiB for good)
 * and the JIT waits; `startHeapBudget` (`supervisor/heap-budget.ts`) lets both go. Here, not in
 * the heap budget, so the CommonJS entry (`cli/entry.ts`) can call it without loading that.
 */
export function holdDuringStartUp(): void {
  v8.setFlagsFromString("--semi-space-growth-factor=1");
  jitOff();
}

/** Sparkplug and TurboFan on again; a no-op when they are on. */
export function jitOn(): void {
  if (state.jit) return;
  state.jit = true;
  v8.setFlagsFromString("--sparkplug");
  v8.setFlagsFromString("--turbofan");
}

export function jitIsOn(): boolean {
  return state.jit;
}

/** A "gc" performance entry's kind (minor, major…): its `detail` is not in this version's types. */
export function gcEntryKind(entry: object): unknown {
  const detail: unknown = (entry as { detail?: unknown }).detail;
  return typeof detail === "object" && detail !== null ? (detail as { kind?: unknown }).kind : undefined;
}
