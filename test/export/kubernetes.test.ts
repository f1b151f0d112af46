import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Deployment as DeploymentModel } from "kubernetes-models/apps/v1";
import { ConfigMap as ConfigMapModel, Service as ServiceModel } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";
import type { Deployment, K8sObject, Service } from "../../src/export/k8s-types.js";
import { k8sName } from "../../src/export/k8s-names.js";
import { exportKubernetes, type KubernetesOptions, type SiteManifests } from "../../src/export/kubernetes.js";
import { toYamlStream } from "../../src/export/yaml-out.js";
import { config, EXAMPLE, exampleProblem, FIXTURE, load, site } from "./helpers.js";

const OPTIONS: KubernetesOptions = {
  image: "sites:1.0",
  namespace: "prod",
  node: "node",
  workerMain: "/opt/tsgi/dist/worker/main.js",
  shellEnv: { PATH: "/usr/bin:/bin", HOME: "/root" },
  partOf: "tsgi",
};

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function exported(sites: Parameters<typeof site>[0][], options: KubernetesOptions = OPTIONS) {
  const resolved = sites.map(site);
  const result = exportKubernetes(config(resolved), resolved, options);
  assert.ok(result.ok, result.ok ? "" : result.message);
  return result;
}

function objects(sites: readonly SiteManifests[]): K8sObject[] {
  return sites.flatMap((s) => s.docs.map((d) => d.object));
}

function deployment(sites: readonly SiteManifests[], name: string): Deployment {
  const found = objects(sites).find((o): o is Deployment => o.kind === "Deployment" && o.metadata.name === name);
  assert.ok(found, `no Deployment ${name}`);
  return found;
}

function container(sites: readonly SiteManifests[], name: string) {
  const c = deployment(sites, name).spec.template.spec.containers[0];
  assert.ok(c);
  return c;
}

/** Against the Kubernetes API schemas, plus the name rules the schemas leave to the API server. */
function validate(object: K8sObject): void {
  // Through JSON: the models take plain, mutable data.
  const data = JSON.parse(JSON.stringify(object)) as never;
  switch (object.kind) {
    case "Deployment":
      new DeploymentModel(data).validate();
      break;
    case "Service":
      new ServiceModel(data).validate();
      assert.match(object.metadata.name, DNS_1035_LABEL);
      break;
    case "ConfigMap":
      new ConfigMapModel(data).validate();
      break;
    default:
      throw new Error(`unexpected kind ${JSON.stringify(object satisfies never)}`);
  }
  assert.match(object.metadata.name, DNS_1123_SUBDOMAIN);
  assert.ok(object.metadata.name.length <= 63, object.metadata.name);
}

function checkWiring(sites: readonly SiteManifests[]): void {
  for (const s of sites) {
    const dep = s.docs.map((d) => d.object).find((o): o is Deployment => o.kind === "Deployment");
    const svc = s.docs.map((d) => d.object).find((o): o is Service => o.kind === "Service");
    assert.ok(dep);
    const podLabels = dep.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(dep.spec.selector.matchLabels)) assert.equal(podLabels[k], v, `selector ${k} of ${s.name}`);
    if (svc !== undefined) {
      for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(podLabels[k], v, `service selector ${k} of ${s.name}`);
      const ports = dep.spec.template.spec.containers[0]?.ports?.map((p) => p.name) ?? [];
      for (const port of svc.spec.ports) assert.ok(ports.includes(port.targetPort), `targetPort ${port.targetPort} of ${s.name}`);
    }
  }
}

describe("export kubernetes: objects", () => {
  it("makes a ConfigMap, a Deployment and (with listen) a Service per site, all valid", () => {
    const result = exported([{ name: "web", listen: { type: "tcp", host: "127.0.0.1", port: 8001 } }, { name: "worker" }]);
    assert.deepEqual(
      result.sites.map((s) => [s.name, s.docs.map((d) => `${d.object.kind}/${d.object.metadata.name}`)]),
      [
        ["web", ["ConfigMap/web-env", "Service/web", "Deployment/web"]],
        ["worker", ["ConfigMap/worker-env", "Deployment/worker"]],
      ],
    );
    for (const object of objects(result.sites)) {
      validate(object);
      assert.equal(object.metadata.namespace, "prod");
      assert.equal(object.metadata.labels?.["tsgi/site"], object.metadata.name.replace(/-env$/, ""));
    }
    checkWiring(result.sites);
  });

  it("maps processes to replicas, autostart: false to 0, and keeps the new generation first", () => {
    const result = exported([
      { name: "a", processes: 3 },
      { name: "b", autostart: false, processes: 2 },
    ]);
    assert.equal(deployment(result.sites, "a").spec.replicas, 3);
    assert.equal(deployment(result.sites, "b").spec.replicas, 0);
    assert.deepEqual(deployment(result.sites, "a").spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: "100%" },
    });
  });

  it("maps stopTimeout, maxMemory, user/group and a non-TERM stop signal", () => {
    const result = exported([
      { name: "a", stopTimeoutMs: 25_500, maxMemoryBytes: 512 * 1024 ** 2, user: "1000", group: "33", stopSignal: "SIGQUIT" },
      { name: "b", user: "www-data" },
    ]);
    const a = deployment(result.sites, "a").spec.template.spec;
    assert.equal(a.terminationGracePeriodSeconds, 26);
    assert.deepEqual(a.containers[0]?.resources, { limits: { memory: "512Mi" } });
    assert.deepEqual(a.securityContext, { runAsUser: 1000, runAsGroup: 33 });
    assert.deepEqual(a.containers[0].lifecycle?.preStop.exec.command.slice(0, 2), ["/bin/sh", "-c"]);
    assert.match(a.containers[0].lifecycle.preStop.exec.command[2] ?? "", /^kill -QUIT 1;/);
    assert.equal(deployment(result.sites, "b").spec.template.spec.securityContext, undefined);
    const keys = result.warnings.map((w) => `${w.site ?? "-"}:${w.key}`);
    for (const key of ["a:maxMemory", "a:stopSignal", "b:user"]) assert.ok(keys.includes(key), key);
  });

  it("probes readiness the way the site's ready rule says", () => {
    const tcp = { type: "tcp" as const, host: "127.0.0.1", port: 8001 };
    const result = exported([
      {
        name: "wsgi",
        kind: { type: "wsgi", target: "m:app", python: "python3", threads: 1, middleware: [], server: "gunicorn" },
        listen: tcp,
        ready: { type: "notify" },
      },
      { name: "http", listen: tcp, ready: { type: "http", path: "/health" }, startTimeoutMs: 45_000 },
      { name: "delay", ready: { type: "delay", ms: 1500 } },
      { name: "log", listen: tcp, ready: { type: "log", pattern: "ready" } },
    ]);
    assert.deepEqual(container(result.sites, "wsgi").readinessProbe, {
      tcpSocket: { port: "http" },
      periodSeconds: 5,
      failureThreshold: 3,
    });
    assert.deepEqual(container(result.sites, "http").readinessProbe, {
      httpGet: { path: "/health", port: "http" },
      periodSeconds: 5,
      failureThreshold: 3,
    });
    assert.deepEqual(container(result.sites, "http").startupProbe, {
      httpGet: { path: "/health", port: "http" },
      periodSeconds: 1,
      failureThreshold: 45,
    });
    assert.equal(container(result.sites, "delay").readinessProbe, undefined);
    assert.equal(deployment(result.sites, "delay").spec.minReadySeconds, 2);
    assert.deepEqual(container(result.sites, "log").readinessProbe, { tcpSocket: { port: "http" }, periodSeconds: 5, failureThreshold: 3 });
    assert.ok(result.warnings.some((w) => w.site === "log" && w.key === "ready"));
  });

  it("runs what tsgi would, binding the pod's port itself", () => {
    const result = exported([
      {
        name: "shop",
        kind: {
          type: "wsgi",
          target: "shop.wsgi:application",
          python: "/srv/venv/bin/python",
          threads: 2,
          middleware: [],
          server: "gunicorn",
        },
        listen: { type: "tcp", host: "127.0.0.1", port: 8001 },
        stopTimeoutMs: 10_000,
      },
      { name: "api", kind: { type: "app", module: "/srv/api/server.ts", middleware: [] }, listen: { type: "unix", path: "/run/api.sock" } },
      {
        name: "cmd",
        kind: { type: "command", argv: ["python3", "server.py"] },
        listen: { type: "tcp", host: "127.0.0.1", port: 9000 },
        cwd: "/srv/cmd",
      },
    ]);
    assert.deepEqual(container(result.sites, "shop").command, [
      "/srv/venv/bin/python",
      "-m",
      "gunicorn",
      "--bind",
      "0.0.0.0:8001",
      "--workers",
      "1",
      "--threads",
      "2",
      "--graceful-timeout",
      "10",
      "--name",
      "shop",
      "shop.wsgi:application",
    ]);
    assert.deepEqual(container(result.sites, "api").command, ["node", "/opt/tsgi/dist/worker/main.js"]);
    assert.deepEqual(container(result.sites, "api").ports, [{ name: "http", containerPort: 8000, protocol: "TCP" }]);
    const cmd = container(result.sites, "cmd");
    assert.deepEqual(cmd.command, ["python3", "server.py"]);
    assert.equal(cmd.workingDir, "/srv/cmd");
    assert.ok(cmd.env.some((e) => e.name === "PORT" && "value" in e && e.value === "9000"));
    assert.ok(result.warnings.some((w) => w.site === "cmd" && w.key === "listen" && /fd 3/.test(w.message)));
    assert.ok(result.warnings.some((w) => w.site === "api" && w.key === "listen" && /8000/.test(w.message)));
  });

  it("sets the settings variable on the Deployment; the ConfigMap has the rest; secrets are references", () => {
    const result = exported([
      {
        name: "alpha",
        settings: "alpha.settings",
        settingsVar: "DJANGO_SETTINGS_MODULE",
        env: {
          DJANGO_SETTINGS_MODULE: "alpha.settings",
          PATH: "/usr/bin:/bin",
          HOME: "/srv",
          DEBUG: "yes",
          SECRET_KEY: "s3cr3t-value",
          DATABASE_URL: "postgres://u:pw-4567@db/x",
        },
      },
    ]);
    const configMap = objects(result.sites).find((o) => o.kind === "ConfigMap");
    assert.ok(configMap?.kind === "ConfigMap");
    // PATH equals the exporting shell's: left to the image. HOME differs: the site set it.
    assert.deepEqual(configMap.data, { DEBUG: "yes", HOME: "/srv" });
    const env = container(result.sites, "alpha").env;
    assert.deepEqual(env[0], { name: "DJANGO_SETTINGS_MODULE", value: "alpha.settings" });
    assert.deepEqual(
      env.filter((e) => "valueFrom" in e),
      [
        { name: "SECRET_KEY", valueFrom: { secretKeyRef: { name: "alpha-secrets", key: "SECRET_KEY" } } },
        { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "alpha-secrets", key: "DATABASE_URL" } } },
      ],
    );
    assert.equal(deployment(result.sites, "alpha").metadata.annotations?.["tsgi/secret-keys"], "SECRET_KEY,DATABASE_URL");
    assert.deepEqual(result.secrets, [{ site: "alpha", secret: "alpha-secrets", names: ["SECRET_KEY", "DATABASE_URL"] }]);
    const text = toYamlStream(result.sites.flatMap((s) => s.docs));
    assert.ok(!text.includes("s3cr3t-value") && !text.includes("pw-4567"));
    assert.equal(deployment(result.sites, "alpha").spec.template.spec.enableServiceLinks, false);
  });

  it("names sites the way Kubernetes allows, and refuses two sites on one name", () => {
    assert.equal(k8sName("my_site"), "my-site");
    assert.equal(k8sName("1st"), "site-1st");
    assert.equal(k8sName("trailing_"), "trailing");
    const resolved = [site({ name: "a_b" }), site({ name: "a-b" })];
    const result = exportKubernetes(config(resolved), resolved, OPTIONS);
    assert.equal(result.ok, false);
    assert.match(result.message, /`a_b` and `a-b`.*`a-b`/);
  });
});

describe("export kubernetes: the schema check itself", () => {
  it("rejects what the API would (so a pass means something)", () => {
    const result = exported([{ name: "web", listen: { type: "tcp", host: "127.0.0.1", port: 8001 } }]);
    const dep = JSON.parse(JSON.stringify(deployment(result.sites, "web"))) as {
      spec: { template: { spec: { containers: Array<Record<string, unknown>> } } };
    };
    const first = dep.spec.template.spec.containers[0];
    assert.ok(first);
    first["ports"] = [{ containerPort: "8001" }];
    assert.throws(() => new DeploymentModel(dep as never).validate(), /containerPort/);
  });
});

describe("export kubernetes: YAML", () => {
  it("quotes what YAML 1.1 (kubectl) would read as a boolean or a number", () => {
    const result = exported([{ name: "a", env: { ON: "on", NO: "no", Y: "y", OCT: "0755", FLOAT: "1e3", TILDE: "~" } }]);
    const text = toYamlStream(result.sites.flatMap((s) => s.docs));
    const [doc] = parseAllDocuments(text, { version: "1.1" }) as unknown as Array<{ toJS(): { data: Record<string, unknown> } }>;
    assert.deepEqual(doc?.toJS().data, { ON: "on", NO: "no", Y: "y", OCT: "0755", FLOAT: "1e3", TILDE: "~" });
    assert.ok(!/[&*]a\d/.test(text), "no YAML anchors");
  });
});

describe("export kubernetes: the fixture and the example validate against the API schemas", () => {
  for (const [label, file] of [
    ["fixture", FIXTURE],
    ["example", EXAMPLE],
  ] as const) {
    it(label, async (t) => {
      if (file === EXAMPLE) {
        const problem = await exampleProblem();
        if (problem !== undefined) {
          t.skip(problem);
          return;
        }
      }
      const loaded = await load(file);
      const result = exportKubernetes(loaded, loaded.sites, OPTIONS);
      assert.ok(result.ok);
      const objs = objects(result.sites);
      assert.ok(objs.length >= loaded.sites.length * 2);
      for (const object of objs) validate(object);
      checkWiring(result.sites);
      // And what kubectl would read back is what was validated.
      const reread = parseAllDocuments(toYamlStream(result.sites.flatMap((s) => s.docs)), { version: "1.1" }).map(
        (d) => d.toJS() as unknown,
      );
      assert.deepEqual(reread, JSON.parse(JSON.stringify(objs)));
    });
  }
});
