/**
 * Signal names for `stopSignal`. A fixed POSIX list rather than `os.constants.signals`, so the
 * generated schema is the same on every machine.
 */

export const SIGNALS = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGSYS",
] as const satisfies readonly NodeJS.Signals[];

const KNOWN: ReadonlySet<string> = new Set(SIGNALS);

/** `TERM` or `SIGTERM` → `SIGTERM`; anything else → undefined. */
export function normaliseSignal(name: string): NodeJS.Signals | undefined {
  const full = name.startsWith("SIG") ? name : `SIG${name}`;
  return KNOWN.has(full) ? (full as NodeJS.Signals) : undefined;
}

/** Both spellings, for the schema's enum. */
export const SIGNAL_NAMES: readonly string[] = SIGNALS.flatMap((signal) => [signal, signal.slice(3)]);
