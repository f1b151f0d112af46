/**
 * `tsgi-supervise startup [sites.yaml] [--user] [--out DIR]`: the systemd unit that runs this
 * supervisor at boot, the way `pm2 startup` does for PM2 — `Type=notify` (the supervisor says
 * READY itself), SIGHUP for `systemctl reload` (= reload-config), `KillMode=mixed` (SIGTERM to
 * the supervisor alone, which stops its sites gracefully; SIGKILL to whatever is left after
 * the timeout), `Delegate=yes` (so it can give each site a cgroup and its `limits`).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatIssues, loadConfig } from "../config/load.js";
import { execLine, literal, renderUnit, setting, timespan, type UnitFile } from "../export/unit-file.js";
import type { ResolvedConfig } from "../config/types.js";

export const UNIT_NAME = "tsgi.service";
const BIN = fileURLToPath(new URL("../../bin/tsgi-supervise.js", import.meta.url));

export interface StartupOptions {
  readonly file: string;
  readonly user: boolean;
  readonly out: string | undefined;
}

export function supervisorUnit(config: ResolvedConfig, options: { user: boolean; node: string; bin: string }): UnitFile {
  // Long enough for the slowest site's graceful stop, and the supervisor's own.
  const stopMs = Math.max(10_000, ...config.sites.map((site) => site.stopTimeoutMs)) + 5_000;
  return {
    name: UNIT_NAME,
    header: [`Written by tsgi-supervise startup for ${config.file}`],
    sections: [
      {
        name: "Unit",
        lines: [
          setting("Description", literal(`tsgi supervisor for ${config.file}`)),
          ...(options.user ? [] : [setting("Wants", "network-online.target"), setting("After", "network-online.target")]),
        ],
      },
      {
        name: "Service",
        lines: [
          setting("Type", "notify"),
          setting("NotifyAccess", "main"),
          setting("ExecStart", execLine([options.node, options.bin, "run", config.file])),
          setting("ExecReload", "/bin/kill -HUP $MAINPID"),
          setting("WorkingDirectory", literal(config.dir)),
          setting("KillMode", "mixed"),
          setting("Delegate", "yes"),
          setting("Restart", "on-failure"),
          setting("TimeoutStopSec", timespan(stopMs)),
        ],
      },
      { name: "Install", lines: [setting("WantedBy", options.user ? "default.target" : "multi-user.target")] },
    ],
  };
}

/** Where the unit goes by default: the system's unit folder, or the user's with --user. */
export function defaultUnitDir(user: boolean, env: NodeJS.ProcessEnv = process.env): string {
  if (!user) return "/etc/systemd/system";
  const config = env["XDG_CONFIG_HOME"] || path.join(os.homedir(), ".config");
  return path.join(config, "systemd/user");
}

export async function startupCommand(
  options: StartupOptions,
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream },
): Promise<number> {
  const loaded = await loadConfig(options.file);
  if (!loaded.ok) {
    io.err.write(`${formatIssues(loaded.errors)}\n`);
    return 2;
  }
  const unit = supervisorUnit(loaded.config, { user: options.user, node: process.execPath, bin: BIN });
  const dir = path.resolve(options.out ?? defaultUnitDir(options.user));
  const target = path.join(dir, UNIT_NAME);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(target, renderUnit(unit));
  } catch (error) {
    io.err.write(
      `tsgi-supervise startup: cannot write ${target} (${error instanceof Error ? error.message : String(error)})${options.user ? "" : "; run it as root, or give --out DIR"}\n`,
    );
    return 1;
  }
  const systemctl = options.user ? "systemctl --user" : "systemctl";
  // A unit outside systemd's own folders is enabled by its path (systemctl links it).
  const name = options.out === undefined ? UNIT_NAME : target;
  io.out.write(`wrote ${target}\nto start it now and at every boot:\n  ${systemctl} daemon-reload\n  ${systemctl} enable --now ${name}\n`);
  return 0;
}
