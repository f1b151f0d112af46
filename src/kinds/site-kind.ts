/**
 * Everything that differs between kinds of site, behind one interface: the rest of tsgi
 * (config resolution, spawning, `check`, exports) asks the kind and never branches on it.
 *
 * Adding a kind: one file here exporting a `SiteKind` (see `command.ts`, the smallest), one
 * entry in `registry.ts`, and its keys in `config/` (schema, validation, resolution to a
 * `ResolvedSite["kind"]` variant).
 */
import type { ReadyRule, ResolvedSite } from "../config/types.js";

type KindConfig = ResolvedSite["kind"];

/** A site whose kind is known to be `K`. */
export type SiteOf<K extends KindConfig> = ResolvedSite & { readonly kind: K };

export interface LaunchPlan {
  readonly file: string;
  readonly args: readonly string[];
  /** Variables the kind adds to the site's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** The argv as shown to people (`check`, `status`): long bootstrap code abbreviated. */
  readonly display: readonly string[];
}

export type PreflightResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

export interface SiteKind<K extends KindConfig> {
  readonly type: K["type"];
  /** The variable `settings:` goes into, unless the site's `settingsVar:` names another. */
  readonly settingsVar: string;
  /** How readiness is known: a fixed rule, or the site's own `ready:` (a delay by default). */
  readonly ready: ReadyRule | "from-config";
  /** True when the program sets LISTEN_PID itself; otherwise tsgi's exec trampoline does. */
  readonly setsListenPid: boolean;
  /** The program each process runs. */
  launch(site: SiteOf<K>): LaunchPlan;
  /** Checked before a site's first process is spawned (a missing package as one sentence). */
  preflight(site: SiteOf<K>): Promise<PreflightResult>;
}

export const NO_PREFLIGHT = (): Promise<PreflightResult> => Promise.resolve({ ok: true });
