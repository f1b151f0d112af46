/**
 * `tsgi-supervise export systemd|kubernetes sites.yaml [options]`: the resolved plan as unit files
 * or manifests, for when one machine is no longer enough (`docs/outgrowing.md`).
 *
 * stdout carries only the artifacts (or, with `--out`, the files written); stderr carries what
 * did not map faithfully and which secrets the user must provide — never their values.
 */
import { hostSystemdVersion } from "../host/systemd-version.js";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { checkOnly, onlySites, parseOnly } from "../config/only.js";
import { formatIssues, loadConfig } from "../config/load.js";
import type { ResolvedConfig, ResolvedSite } from "../config/types.js";
import { resolveProgram } from "../process/resolve-program.js";
import { exportKubernetes } from "../export/kubernetes.js";
import { INSTALLED_WORKER } from "../export/launch-argv.js";
import { RESTART_STEPS_SINCE } from "../export/systemd-service.js";
import { exportSystemd, renderSystemd, UNIT_PREFIX_PATTERN } from "../export/systemd.js";
import { formatWarnings } from "../export/warnings.js";
import { toYamlStream } from "../export/yaml-out.js";
import { parse, type ExportIo, type Parsed } from "./export-args.js";
import { exportFront, FRONT_TARGETS, isFrontTarget, parseFrontArgs } from "./export-front.js";

export type { ExportIo };

export const EXPORT_USAGE = `Usage:
  tsgi-supervise export systemd sites.yaml [--out DIR] [--only NAME,...] [--prefix PREFIX]
                                           [--secrets-dir DIR] [--systemd-version N]
  tsgi-supervise export kubernetes sites.yaml [--image IMAGE] [--namespace NS] [--out DIR] [--only NAME,...]
  tsgi-supervise export nginx|apache|caddy sites.yaml [--out FILE] [--only NAME,...] [--tls-dir DIR]
                                           [--listen [HOST:]PORT] [--tls-listen [HOST:]PORT]`;

const DEFAULT_IMAGE = "tsgi-sites:latest";
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

interface SystemdArgs {
  readonly out: string | undefined;
  readonly only: readonly string[] | undefined;
  readonly prefix: string;
  readonly secretsDir: string;
  readonly systemdVersion: number;
}

interface KubernetesArgs {
  readonly out: string | undefined;
  readonly only: readonly string[] | undefined;
  readonly image: string | undefined;
  readonly namespace: string | undefined;
}

export async function exportCommand(target: string, file: string, argv: readonly string[], io: ExportIo): Promise<number> {
  const usage = (message: string): number => {
    io.err.write(`tsgi-supervise export: ${message}\n\n${EXPORT_USAGE}\n`);
    return 2;
  };
  if (target === "systemd") {
    const args = parseSystemdArgs(argv);
    if (!args.ok) return usage(args.message);
    const plan = await load(file, args.value.only, io);
    if (!plan.ok) return plan.message === "" ? 2 : usage(plan.message);
    return systemd(plan.value.config, plan.value.sites, args.value, io);
  }
  if (target === "kubernetes") {
    const args = parseKubernetesArgs(argv);
    if (!args.ok) return usage(args.message);
    const plan = await load(file, args.value.only, io);
    if (!plan.ok) return plan.message === "" ? 2 : usage(plan.message);
    return kubernetes(plan.value.config, plan.value.sites, args.value, io);
  }
  if (isFrontTarget(target)) {
    const args = parseFrontArgs(argv);
    if (!args.ok) return usage(args.message);
    const plan = await load(file, args.value.only, io);
    if (!plan.ok) return plan.message === "" ? 2 : usage(plan.message);
    return exportFront(target, plan.value.config, plan.value.sites, args.value, io);
  }
  return usage(`unknown target \`${target}\`: export systemd, kubernetes, ${FRONT_TARGETS.join(", ")}`);
}

/** A bad file is reported here (message ""); a bad `--only` is a usage error for the caller. */
async function load(
  file: string,
  only: readonly string[] | undefined,
  io: ExportIo,
): Promise<Parsed<{ config: ResolvedConfig; sites: readonly ResolvedSite[] }>> {
  const loaded = await loadConfig(file);
  if (!loaded.ok) {
    io.err.write(`${formatIssues(loaded.errors)}\n`);
    return { ok: false, message: "" };
  }
  const sites = selectSites(loaded.config, only);
  return sites.ok ? { ok: true, value: { config: loaded.config, sites: sites.value } } : sites;
}

async function systemd(config: ResolvedConfig, sites: readonly ResolvedSite[], args: SystemdArgs, io: ExportIo): Promise<number> {
  const result = exportSystemd(config, sites, {
    prefix: args.prefix,
    secretsDir: args.secretsDir,
    systemdVersion: args.systemdVersion,
    node: process.execPath,
    workerMain: INSTALLED_WORKER,
    findProgram: resolveProgram,
  });
  io.err.write(formatWarnings("systemd", result.warnings));
  for (const secret of result.secretFiles) {
    io.err.write(
      `tsgi export systemd: ${secret.site}: ${secret.names.join(", ")} ${secret.names.length === 1 ? "looks" : "look"} secret and ${secret.names.length === 1 ? "is" : "are"} not written; ` +
        `put ${secret.names.length === 1 ? "it" : "them"} in ${secret.path} (NAME=value lines, root-owned, mode 0600) before starting it\n`,
    );
  }
  const files = renderSystemd(result);
  if (args.out === undefined) {
    io.out.write(files.map((f) => `### ${f.name}\n${f.text}`).join("\n"));
    return 0;
  }
  const written = await writeAll(args.out, files, io);
  if (written)
    io.err.write(
      `then: sudo cp ${path.join(args.out, "*")} /etc/systemd/system/ && sudo systemctl daemon-reload && sudo systemctl enable --now ${args.prefix}.target\n`,
    );
  return written ? 0 : 1;
}

async function kubernetes(config: ResolvedConfig, sites: readonly ResolvedSite[], args: KubernetesArgs, io: ExportIo): Promise<number> {
  const result = exportKubernetes(config, sites, {
    image: args.image ?? DEFAULT_IMAGE,
    namespace: args.namespace,
    node: "node",
    workerMain: INSTALLED_WORKER,
    shellEnv: process.env,
    partOf: "tsgi",
  });
  if (!result.ok) {
    io.err.write(`tsgi-supervise export: ${result.message}\n`);
    return 2;
  }
  if (args.image === undefined) {
    io.err.write(
      `tsgi export kubernetes: warning: no --image: the manifests name \`${DEFAULT_IMAGE}\`; build an image holding the project at ${config.dir}, or pass --image\n`,
    );
  }
  io.err.write(formatWarnings("kubernetes", result.warnings));
  const ns = args.namespace === undefined ? "" : ` -n ${args.namespace}`;
  for (const secret of result.secrets) {
    io.err.write(
      `tsgi export kubernetes: ${secret.site}: ${secret.names.join(", ")} ${secret.names.length === 1 ? "looks" : "look"} secret and ${secret.names.length === 1 ? "is" : "are"} not written; create the Secret first:\n` +
        `  kubectl${ns} create secret generic ${secret.secret} ${secret.names.map((name) => `--from-literal=${name}=...`).join(" ")}\n`,
    );
  }
  if (args.out === undefined) {
    io.out.write(toYamlStream(result.sites.flatMap((site) => site.docs)));
    return 0;
  }
  const files = result.sites.map((site) => ({ name: `${site.name}.yaml`, text: toYamlStream(site.docs) }));
  return (await writeAll(args.out, files, io)) ? 0 : 1;
}

async function writeAll(dir: string, files: ReadonlyArray<{ name: string; text: string }>, io: ExportIo): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true });
    for (const file of files) {
      const target = path.join(dir, file.name);
      await writeFile(target, file.text);
      io.out.write(`${target}\n`);
    }
    return true;
  } catch (error) {
    io.err.write(`tsgi-supervise export: cannot write to ${dir}: ${error instanceof Error ? error.message : String(error)}\n`);
    return false;
  }
}

function selectSites(config: ResolvedConfig, only: readonly string[] | undefined): Parsed<readonly ResolvedSite[]> {
  const check = checkOnly(config, only);
  return check.ok ? { ok: true, value: onlySites(config, only).sites } : check;
}

export function parseSystemdArgs(argv: readonly string[]): Parsed<SystemdArgs> {
  return parse(
    argv,
    {
      out: { type: "string" },
      only: { type: "string" },
      prefix: { type: "string" },
      "secrets-dir": { type: "string" },
      "systemd-version": { type: "string" },
    },
    (values) => {
      const prefix = values["prefix"] ?? "tsgi";
      if (!UNIT_PREFIX_PATTERN.test(prefix))
        return { ok: false, message: `--prefix \`${prefix}\` cannot start a unit name: use letters, digits, and : _ . -` };
      const secretsDir = values["secrets-dir"] ?? "/etc/tsgi";
      if (!path.isAbsolute(secretsDir))
        return { ok: false, message: `--secrets-dir must be an absolute path (systemd reads it), not \`${secretsDir}\`` };
      // This host's systemd, else the newest this exporter knows.
      const version = values["systemd-version"] ?? String(hostSystemdVersion() ?? RESTART_STEPS_SINCE);
      if (!/^\d+$/.test(version))
        return {
          ok: false,
          message: `--systemd-version takes systemd's version number (\`systemctl --version\`), e.g. 252, not \`${version}\``,
        };
      return {
        ok: true,
        value: { out: values["out"], only: parseOnly(values["only"]), prefix, secretsDir, systemdVersion: Number(version) },
      };
    },
  );
}

export function parseKubernetesArgs(argv: readonly string[]): Parsed<KubernetesArgs> {
  return parse(
    argv,
    { out: { type: "string" }, only: { type: "string" }, image: { type: "string" }, namespace: { type: "string" } },
    (values) => {
      const namespace = values["namespace"];
      if (namespace !== undefined && !DNS_1123_LABEL.test(namespace)) {
        return {
          ok: false,
          message: `--namespace \`${namespace}\` is not a Kubernetes namespace name (a-z, 0-9 and -, starting and ending with a letter or digit)`,
        };
      }
      const image = values["image"];
      if (image !== undefined && image.trim() === "") return { ok: false, message: "--image needs an image reference, e.g. sites:1.4" };
      return { ok: true, value: { out: values["out"], only: parseOnly(values["only"]), image, namespace } };
    },
  );
}
