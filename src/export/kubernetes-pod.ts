/**
 * The pod of a site's Deployment: what its container runs, with which environment, probed how,
 * stopped how.
 *
 * The container runs the site's own program, not tsgi-supervise: in a cluster the kubelet is the
 * supervisor — it restarts the container, and a rolling update with `maxUnavailable: 0` starts
 * the new pods and waits for them to be ready before stopping old ones, tsgi's reload. A
 * supervisor inside the pod would hide crashes from it. A pod's port cannot be handed over as fd
 * 3, so the program binds it itself: gunicorn with `--bind`, tsgi's worker from `PORT`/`HOST`,
 * and a `command` site must read `PORT` too.
 */
import type { ResolvedSite } from "../config/types.js";
import { DEFAULT_INHERIT } from "../env/build-env.js";
import type { Container, EnvVar, PodSpec, Probe, ProbeHandler } from "./k8s-types.js";
import { exportLaunch } from "./launch-argv.js";
import { splitSecrets } from "./secrets.js";
import type { ExportWarning } from "./warnings.js";

/** What a site on a unix socket serves on in its pod: a Service needs a TCP port. */
export const UNIX_SITE_PORT = 8000;
export const PORT_NAME = "http";

export interface PodInput {
  readonly site: ResolvedSite;
  readonly name: string;
  readonly image: string;
  readonly node: string;
  readonly workerMain: string;
  /** The environment the export ran in: values inherited from it describe this machine, not the site. */
  readonly shellEnv: NodeJS.ProcessEnv;
  readonly configMap: string;
  readonly secretName: string;
}

export interface PodPlan {
  readonly pod: PodSpec;
  readonly port: number | undefined;
  readonly configMapData: Readonly<Record<string, string>>;
  /** Inherited from the exporting shell and left to the image (PATH, HOME…). */
  readonly omitted: readonly string[];
  readonly secret: readonly string[];
  readonly minReadySeconds: number | undefined;
  /** Comment lines for the Deployment. */
  readonly notes: readonly string[];
  readonly warnings: readonly ExportWarning[];
}

export function podPlan(input: PodInput): PodPlan {
  const { site } = input;
  const warnings: ExportWarning[] = [];
  const notes: string[] = [];
  const warn = (key: string, message: string): void => {
    warnings.push({ site: site.name, key, message });
    notes.push(`${key}: ${message}.`);
  };

  const port = site.listen === undefined ? undefined : site.listen.type === "tcp" ? site.listen.port : UNIX_SITE_PORT;
  if (site.listen?.type === "unix")
    warn("listen", `a Service needs a TCP port, not unix:${site.listen.path}: the pod serves on ${UNIX_SITE_PORT}`);
  if (port !== undefined)
    notes.push(`listen: the pod binds 0.0.0.0:${port} (its network is its own); the Service forwards port ${port} to it.`);
  if (site.kind.type === "command" && port !== undefined) {
    warn(
      "listen",
      `nothing hands a program in a pod its socket as fd 3: it gets PORT=${port} and HOST=0.0.0.0 and must bind them itself (or run tsgi-supervise in the image)`,
    );
  }

  const launch = exportLaunch(site, {
    node: input.node,
    workerMain: input.workerMain,
    gunicornBind: port === undefined ? undefined : `0.0.0.0:${port}`,
  });
  const env = environment(site, launch.env, port, input);

  const handler = probeHandler(site, port, warn);
  const readinessProbe: Probe | undefined = handler === undefined ? undefined : { ...handler, periodSeconds: 5, failureThreshold: 3 };
  // tsgi gives a start `startTimeout` to become ready, then counts it failed: a startup probe
  // restarts the container after as long.
  const startupProbe: Probe | undefined =
    handler === undefined
      ? undefined
      : { ...handler, periodSeconds: 1, failureThreshold: Math.max(1, Math.ceil(site.startTimeoutMs / 1000)) };
  if (handler === undefined) warn("startTimeout", "with no probe there is nothing to time: the container counts as started once it runs");
  const minReadySeconds = site.ready.type === "delay" ? Math.max(1, Math.ceil(site.ready.ms / 1000)) : undefined;
  if (minReadySeconds !== undefined) notes.push(`ready: {delay}: minReadySeconds — a new pod must stay up that long before it counts.`);

  let lifecycle: Container["lifecycle"];
  if (site.stopSignal !== "SIGTERM") {
    warn(
      "stopSignal",
      `Kubernetes stops a container with SIGTERM; a preStop hook sends ${site.stopSignal} first and waits (it needs /bin/sh and kill in the image)`,
    );
    const signal = site.stopSignal.replace(/^SIG/, "");
    lifecycle = { preStop: { exec: { command: ["/bin/sh", "-c", `kill -${signal} 1; while kill -0 1 2>/dev/null; do sleep 1; done`] } } };
  }

  let resources: Container["resources"];
  if (site.maxMemoryBytes !== undefined) {
    warn(
      "maxMemory",
      "past limits.memory the container is OOM-killed and restarted; tsgi instead replaces a process over the size gracefully",
    );
    resources = { limits: { memory: quantity(site.maxMemoryBytes) } };
  }
  if (site.watch !== undefined && site.watch !== false) {
    warn(
      "watch",
      "hot reload has no Kubernetes equivalent: build a new image and roll it out (keep `tsgi-supervise --watch` for development)",
    );
  }
  restartNotes(site, warn);

  const livenessProbe = healthProbe(site, port, warn);
  const initContainers = site.before.map((task, index): Container => ({
    name: `${input.name}-before-${index + 1}`,
    image: input.image,
    command: task.argv,
    workingDir: site.cwd,
    env: env.vars,
    envFrom: [{ configMapRef: { name: input.configMap } }],
  }));
  if (site.before.length > 0) {
    notes.push("before: init containers, run in order before each new pod (not on a container restart, as tsgi).");
    warn(
      "before",
      "an init container has no timeout of its own (tsgi kills a task after its `timeout`), and a failing one keeps the new pod from starting while the old pods of the rollout keep serving",
    );
  }
  if (site.dependsOn.length > 0) {
    warn(
      "dependsOn",
      `Kubernetes has no start order between Deployments: ${site.name} may start before ${site.dependsOn.join(", ")} is ready (retry at start, or an init container that waits for their Services)`,
    );
  }
  if ((site.kind.type === "wsgi" || site.kind.type === "asgi") && site.kind.middleware.length > 0) {
    warn(
      "middleware",
      `the server's own command line does not wrap the application: wrap it at the bottom of its ${site.kind.type}.py instead`,
    );
  }

  const container: Container = {
    name: input.name,
    image: input.image,
    command: launch.argv,
    workingDir: site.cwd,
    env: env.vars,
    envFrom: [{ configMapRef: { name: input.configMap } }],
    ...(port === undefined ? {} : { ports: [{ name: PORT_NAME, containerPort: port, protocol: "TCP" as const }] }),
    ...(readinessProbe === undefined ? {} : { readinessProbe }),
    ...(startupProbe === undefined ? {} : { startupProbe }),
    ...(livenessProbe === undefined ? {} : { livenessProbe }),
    ...(resources === undefined ? {} : { resources }),
    ...(lifecycle === undefined ? {} : { lifecycle }),
  };
  const securityContext = accounts(site, warn);
  const pod: PodSpec = {
    // No `ALPHA_SERVICE_HOST`-style variables from the namespace's other Services: the site's
    // environment is its own, as under tsgi.
    enableServiceLinks: false,
    terminationGracePeriodSeconds: Math.max(1, Math.ceil(site.stopTimeoutMs / 1000)),
    ...(securityContext === undefined ? {} : { securityContext }),
    ...(initContainers.length === 0 ? {} : { initContainers }),
    containers: [container],
  };
  return { pod, port, configMapData: env.configMap, omitted: env.omitted, secret: env.secret, minReadySeconds, notes, warnings };
}

function environment(
  site: ResolvedSite,
  launchEnv: Readonly<Record<string, string>>,
  port: number | undefined,
  input: PodInput,
): { vars: EnvVar[]; configMap: Record<string, string>; omitted: string[]; secret: readonly string[] } {
  const { plain, secret } = splitSecrets(site.env, [site.settingsVar]);
  const configMap: Record<string, string> = {};
  const omitted: string[] = [];
  for (const [name, value] of plain) {
    if (name === site.settingsVar) continue;
    if (inheritedFromShell(name, value, input.shellEnv)) omitted.push(name);
    else configMap[name] = value;
  }
  const vars: EnvVar[] = [];
  const settings = site.env[site.settingsVar];
  // The settings variable is set on the Deployment itself: one site, one settings module.
  if (settings !== undefined) vars.push({ name: site.settingsVar, value: settings });
  for (const [name, value] of Object.entries(launchEnv)) vars.push({ name, value });
  vars.push({ name: "TSGI_SITE", value: site.name });
  if (port !== undefined) vars.push({ name: "PORT", value: String(port) }, { name: "HOST", value: "0.0.0.0" });
  for (const name of secret) vars.push({ name, valueFrom: { secretKeyRef: { name: input.secretName, key: name } } });
  return { vars, configMap, omitted, secret };
}

const DEFAULT_INHERIT_RE = DEFAULT_INHERIT.map((glob) => new RegExp(`^${glob.replace(/\*/g, ".*")}$`));

/** PATH, HOME, LANG… as the exporting shell has them: they describe this machine; the image has its own. */
function inheritedFromShell(name: string, value: string, shellEnv: NodeJS.ProcessEnv): boolean {
  return shellEnv[name] === value && DEFAULT_INHERIT_RE.some((re) => re.test(name));
}

function probeHandler(
  site: ResolvedSite,
  port: number | undefined,
  warn: (key: string, message: string) => void,
): ProbeHandler | undefined {
  const rule = site.ready;
  const tcp: ProbeHandler | undefined = port === undefined ? undefined : { tcpSocket: { port: PORT_NAME } };
  switch (rule.type) {
    case "http":
      if (port === undefined) {
        warn("ready", `an HTTP probe needs a port and the site has no \`listen\`: no readiness probe`);
        return undefined;
      }
      return { httpGet: { path: rule.path, port: PORT_NAME } };
    case "log":
      warn(
        "ready",
        `Kubernetes cannot wait for a log line (\`${rule.pattern}\`): ${tcp === undefined ? "no readiness probe" : "the probe checks that the port accepts connections instead"}`,
      );
      return tcp;
    case "notify":
      // The worker listens only once the application is loaded; gunicorn binds before its worker
      // has imported the application, so this is a little early for `wsgi`.
      return tcp;
    case "delay":
      return tcp;
    default:
      throw new Error(`unknown ready rule ${JSON.stringify(rule satisfies never)}`);
  }
}

function restartNotes(site: ResolvedSite, warn: (key: string, message: string) => void): void {
  if (site.restart !== "always") {
    warn(
      "restart",
      `a Deployment restarts its container after every exit, clean or not; \`restart: ${site.restart}\` has no equivalent (a run-once program is a Job)`,
    );
  }
  warn("backoff", "the kubelet's own crash back-off applies (10s doubling to 5min), not the site's");
  warn("maxRestarts", "the kubelet never gives up (CrashLoopBackOff): there is no `fatal` state");
}

function accounts(site: ResolvedSite, warn: (key: string, message: string) => void): PodSpec["securityContext"] {
  const context: { runAsUser?: number; runAsGroup?: number } = {};
  for (const [key, value, field] of [
    ["user", site.user, "runAsUser"],
    ["group", site.group, "runAsGroup"],
  ] as const) {
    if (value === undefined) continue;
    if (/^\d+$/.test(value)) context[field] = Number(value);
    else
      warn(key, `Kubernetes runs as a numeric id and the image's account names are unknown here: ${field} not set; write \`${key}: <id>\``);
  }
  return Object.keys(context).length === 0 ? undefined : context;
}

/** Bytes as a Kubernetes quantity, in binary units when exact. */
export function quantity(bytes: number): string {
  for (const [suffix, size] of [
    ["Gi", 1024 ** 3],
    ["Mi", 1024 ** 2],
    ["Ki", 1024],
  ] as const) {
    if (bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(bytes);
}

/** `health:` → a liveness probe: the kubelet restarts the container after `failures` in a row. */
function healthProbe(
  site: ResolvedSite,
  port: number | undefined,
  warn: (key: string, message: string) => void,
): Container["livenessProbe"] {
  const health = site.health;
  if (health === undefined || port === undefined) return undefined;
  warn("health", "the kubelet restarts the unhealthy container in place (no new one first, unlike tsgi's graceful replacement)");
  return {
    httpGet: { path: health.path, port: PORT_NAME },
    periodSeconds: Math.max(1, Math.round(health.everyMs / 1000)),
    timeoutSeconds: Math.max(1, Math.round(health.timeoutMs / 1000)),
    failureThreshold: health.failures,
  };
}
