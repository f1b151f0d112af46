/**
 * `tsgi-supervise export nginx|apache|caddy sites.yaml`: the front server's configuration for
 * every site with `hosts` and `listen`, on stdout or in one `--out FILE`. Skipped sites and the
 * command that reloads the server go to stderr. The output is a snapshot of sites.yaml: after an
 * edit (`reload-config` applies it to tsgi), the user runs the export again.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ResolvedConfig, ResolvedSite } from "../config/types.js";
import { APACHE_RELOAD, renderApache } from "../export/apache.js";
import { CADDY_RELOAD, renderCaddy } from "../export/caddy.js";
import { frontRoutes, type FrontOptions, type FrontRoute } from "../export/front-routes.js";
import { NGINX_RELOAD, renderNginx } from "../export/nginx.js";
import { formatWarnings } from "../export/warnings.js";
import { parseOnly } from "../config/only.js";
import { parse, type ExportIo, type Parsed } from "./export-args.js";

export const FRONT_TARGETS = ["nginx", "apache", "caddy"] as const;
export type FrontTarget = (typeof FRONT_TARGETS)[number];

export function isFrontTarget(target: string): target is FrontTarget {
  return (FRONT_TARGETS as readonly string[]).includes(target);
}

export interface FrontArgs {
  readonly out: string | undefined;
  readonly only: readonly string[] | undefined;
  readonly tlsDir: string | undefined;
  readonly listen: string;
  readonly tlsListen: string;
}

const LISTEN = /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):)?\d{1,5}$/;

export function parseFrontArgs(argv: readonly string[]): Parsed<FrontArgs> {
  return parse(
    argv,
    {
      out: { type: "string" },
      only: { type: "string" },
      "tls-dir": { type: "string" },
      listen: { type: "string" },
      "tls-listen": { type: "string" },
    },
    (values) => {
      const listen = values["listen"] ?? "80";
      const tlsListen = values["tls-listen"] ?? "443";
      for (const [flag, value] of [
        ["--listen", listen],
        ["--tls-listen", tlsListen],
      ] as const) {
        const port = Number(value.slice(value.lastIndexOf(":") + 1));
        if (!LISTEN.test(value) || port < 1 || port > 65535)
          return {
            ok: false,
            message: `${flag} takes a port or HOST:PORT where the front server listens, e.g. 8080 or 127.0.0.1:8080, not \`${value}\``,
          };
      }
      const tlsDir = values["tls-dir"];
      if (tlsDir === "") return { ok: false, message: "--tls-dir needs the folder of the certificates (certbot's: /etc/letsencrypt/live)" };
      return {
        ok: true,
        value: {
          out: values["out"],
          only: parseOnly(values["only"]),
          // The front server reads these paths from its own working directory: make them absolute.
          tlsDir: tlsDir === undefined ? undefined : path.resolve(tlsDir),
          listen,
          tlsListen,
        },
      };
    },
  );
}

const RENDER: Record<FrontTarget, { render: (routes: readonly FrontRoute[], options: FrontOptions) => string; reload: string }> = {
  nginx: { render: renderNginx, reload: NGINX_RELOAD },
  apache: { render: renderApache, reload: APACHE_RELOAD },
  caddy: { render: renderCaddy, reload: CADDY_RELOAD },
};

export async function exportFront(
  target: FrontTarget,
  config: ResolvedConfig,
  sites: readonly ResolvedSite[],
  args: FrontArgs,
  io: ExportIo,
): Promise<number> {
  const plan = frontRoutes(sites, args.tlsDir);
  io.err.write(formatWarnings(target, plan.warnings));
  if (plan.routes.length === 0) {
    io.err.write(`tsgi-supervise export ${target}: no site of ${config.file} has both \`hosts:\` and \`listen:\`; nothing to export\n`);
    return 1;
  }
  const { render, reload } = RENDER[target];
  const text = render(plan.routes, { listen: args.listen, tlsListen: args.tlsListen, tlsDir: args.tlsDir, configFile: config.file });
  if (args.out === undefined) {
    io.out.write(text);
    return 0;
  }
  try {
    await mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
    await writeFile(args.out, text);
  } catch (error) {
    io.err.write(`tsgi-supervise export: cannot write ${args.out}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  io.out.write(`${args.out}\n`);
  io.err.write(`then: ${reload}\n`);
  return 0;
}
