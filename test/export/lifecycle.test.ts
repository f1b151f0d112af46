/** `export` of the lifecycle keys and `asgi:`: what maps, and a warning where the meaning is lost. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Deployment } from "../../src/export/k8s-types.js";
import { exportKubernetes } from "../../src/export/kubernetes.js";
import { exportSystemd } from "../../src/export/systemd.js";
import { config, findAnything, site, values } from "./helpers.js";

const tcp = (port: number) => ({ type: "tcp" as const, host: "127.0.0.1", port });
const api = site({
  name: "api",
  kind: { type: "asgi", target: "shop.asgi:application", python: "/usr/bin/python3", server: "uvicorn", middleware: ["shop.wrap.Hello"] },
  listen: tcp(8001),
  ready: { type: "http", path: "/" },
  before: [{ argv: ["python3", "manage.py", "migrate", "--noinput"], timeoutMs: 600_000 }],
  dependsOn: ["db"],
  health: { path: "/health", everyMs: 10_000, timeoutMs: 2000, failures: 3 },
});
const db = site({ name: "db", listen: tcp(8002) });

describe("export of before, health, dependsOn and asgi", () => {
  it("systemd: ExecStartPre=, Requires=/After=, the server's argv on fd 3; warnings for health, before, middleware", () => {
    const result = exportSystemd(config([api, db]), [api, db], {
      prefix: "tsgi",
      secretsDir: "/etc/tsgi",
      systemdVersion: 254,
      node: "/usr/bin/node",
      workerMain: "/opt/tsgi/dist/worker/main.js",
      findProgram: findAnything,
    });
    const unit = result.units.find((u) => u.name === "tsgi-api.service");
    assert.deepEqual(values(unit, "Service", "ExecStartPre"), ["python3 manage.py migrate --noinput"]);
    assert.ok(values(unit, "Unit", "Requires").includes("tsgi-db.service"));
    assert.ok(values(unit, "Unit", "After").includes("tsgi-db.service"));
    assert.match(values(unit, "Service", "ExecStart")[0] ?? "", /-m uvicorn --fd 3 --lifespan off shop\.asgi:application/);
    const keys = result.warnings.filter((w) => w.site === "api").map((w) => w.key);
    for (const key of ["health", "before", "middleware"]) assert.ok(keys.includes(key), `warning for ${key}: ${keys.join(", ")}`);
  });

  it("kubernetes: an init container per task, a liveness probe, the server binding the pod's port; dependsOn warned", () => {
    const result = exportKubernetes(config([api, db]), [api, db], {
      image: "sites:1.0",
      namespace: "prod",
      node: "node",
      workerMain: "/opt/tsgi/dist/worker/main.js",
      shellEnv: {},
      partOf: "tsgi",
    });
    assert.ok(result.ok);
    const deployment = result.sites
      .flatMap((s) => s.docs.map((d) => d.object))
      .find((o): o is Deployment => o.kind === "Deployment" && o.metadata.name.endsWith("api"));
    const pod = deployment?.spec.template.spec;
    assert.deepEqual(
      pod?.initContainers?.map((c) => c.command),
      [["python3", "manage.py", "migrate", "--noinput"]],
    );
    const container = pod.containers[0];
    assert.deepEqual(container?.livenessProbe, {
      httpGet: { path: "/health", port: "http" },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });
    assert.deepEqual(container.command.slice(1), [
      "-m",
      "uvicorn",
      "--host",
      "0.0.0.0",
      "--port",
      "8001",
      "--lifespan",
      "off",
      "shop.asgi:application",
    ]);
    const keys = result.warnings.filter((w) => w.site === "api").map((w) => w.key);
    for (const key of ["dependsOn", "health", "before", "middleware"])
      assert.ok(keys.includes(key), `warning for ${key}: ${keys.join(", ")}`);
  });
});
