/**
 * `tsgi-supervise export …` end to end through `exportCommand`: options, exit codes, where the
 * output goes, and the semantic promises on the fixture and the bundled example — each site's
 * settings variable in its own unit/Deployment only, no secret value anywhere, restart/stop/backoff
 * values mapped.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { exportCommand } from "../../src/cli/export.js";
import type { ResolvedConfig } from "../../src/config/types.js";
import { looksSecret } from "../../src/export/secrets.js";
import { timespan } from "../../src/export/unit-file.js";
import { capture, EXAMPLE, exampleProblem, FIXTURE, FIXTURE_SECRETS, load } from "./helpers.js";

const BAD = path.join(path.dirname(FIXTURE), "bad.yaml");

async function cli(target: string, file: string, argv: readonly string[] = []): Promise<{ code: number; out: string; err: string }> {
  const out = capture();
  const err = capture();
  const code = await exportCommand(target, file, argv, { out: out.stream, err: err.stream });
  return { code, out: out.text(), err: err.text() };
}

let tmp = "";
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "tsgi-export-cli-"));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("export: usage and errors", () => {
  it("exits 2 on an unknown target, naming the two", async () => {
    const r = await cli("docker", FIXTURE);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown target `docker`: export systemd, kubernetes, nginx, apache, caddy/);
    assert.equal(r.out, "");
  });

  it("exits 2 on an unknown or malformed option", async () => {
    assert.equal((await cli("systemd", FIXTURE, ["--image", "x"])).code, 2);
    assert.equal((await cli("kubernetes", FIXTURE, ["--prefix", "x"])).code, 2);
    assert.match((await cli("systemd", FIXTURE, ["--systemd-version", "new"])).err, /--systemd-version takes/);
    assert.match((await cli("systemd", FIXTURE, ["--secrets-dir", "etc"])).err, /absolute/);
    assert.match((await cli("kubernetes", FIXTURE, ["--namespace", "Prod_1"])).err, /not a Kubernetes namespace/);
    assert.match((await cli("systemd", FIXTURE, ["extra.yaml"])).err, /unexpected `extra.yaml`/);
  });

  it("exits 2 with the loader's errors on a bad sites.yaml", async () => {
    for (const target of ["systemd", "kubernetes"]) {
      const r = await cli(target, BAD);
      assert.equal(r.code, 2);
      assert.match(r.err, /bad\.yaml:4:5: .*`comand`/);
      assert.match(r.err, /did you mean `command`/);
      assert.equal(r.out, "");
    }
  });

  it("exits 2 when --only names a site that does not exist", async () => {
    const r = await cli("systemd", FIXTURE, ["--only", "shop,nope"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /no site `nope`.*sites: shop, api, jobs, legacy_web/);
  });

  it("exits 1 when --out cannot be written", async () => {
    const r = await cli("systemd", FIXTURE, ["--out", FIXTURE]);
    assert.equal(r.code, 1);
    assert.match(r.err, /cannot write to/);
  });
});

describe("export systemd: output", () => {
  it("prints every unit on stdout, and on stderr what did not map and which secrets to provide", async () => {
    const r = await cli("systemd", FIXTURE);
    assert.equal(r.code, 0);
    const names = [...r.out.matchAll(/^### (\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual(names, [
      "tsgi-shop@.service",
      "tsgi-shop.socket",
      "tsgi-api.service",
      "tsgi-api.socket",
      "tsgi-jobs.service",
      "tsgi-legacy_web.service",
      "tsgi-legacy_web.socket",
      "tsgi.target",
    ]);
    assert.match(r.err, /warning: `watch` \(site api\)/);
    assert.match(r.err, /warning: `ready` \(site legacy_web\)/);
    assert.match(r.err, /warning: `maxMemory` \(site shop\)/);
    assert.match(r.err, /shop: DATABASE_URL, SECRET_KEY look secret .* \/etc\/tsgi\/tsgi-shop\.env/);
    assert.match(r.err, /api: API_TOKEN looks secret/);
  });

  it("writes only the --only sites, and a target for just them", async () => {
    const dir = path.join(tmp, "only");
    const r = await cli("systemd", FIXTURE, ["--only", "jobs", "--out", dir, "--prefix", "acme"]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual((await readdir(dir)).sort(), ["acme-jobs.service", "acme.target"]);
    assert.match(await readFile(path.join(dir, "acme.target"), "utf8"), /^Wants=acme-jobs\.service$/m);
    assert.match(r.out, /acme-jobs\.service\n/);
  });
});

describe("export kubernetes: output", () => {
  it("prints one multi-document YAML stream on stdout", async () => {
    const r = await cli("kubernetes", FIXTURE, ["--image", "reg.example/sites:2", "--namespace", "shop"]);
    assert.equal(r.code, 0, r.err);
    const docs = parseAllDocuments(r.out, { version: "1.1" }).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string; namespace: string } },
    );
    assert.deepEqual(
      docs.map((d) => `${d.kind}/${d.metadata.name}`),
      [
        "ConfigMap/shop-env",
        "Service/shop",
        "Deployment/shop",
        "ConfigMap/api-env",
        "Service/api",
        "Deployment/api",
        "ConfigMap/jobs-env",
        "Deployment/jobs",
        "ConfigMap/legacy-web-env",
        "Service/legacy-web",
        "Deployment/legacy-web",
      ],
    );
    assert.ok(docs.every((d) => d.metadata.namespace === "shop"));
    assert.match(
      r.err,
      /kubectl -n shop create secret generic shop-secrets --from-literal=DATABASE_URL=\.\.\. --from-literal=SECRET_KEY=\.\.\./,
    );
    assert.doesNotMatch(r.err, /no --image/);
  });

  it("writes one file per site under --out, and warns when no --image is given", async () => {
    const dir = path.join(tmp, "k8s");
    const r = await cli("kubernetes", FIXTURE, ["--out", dir]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual((await readdir(dir)).sort(), ["api.yaml", "jobs.yaml", "legacy-web.yaml", "shop.yaml"]);
    assert.match(r.err, /no --image/);
    const shop = parseAllDocuments(await readFile(path.join(dir, "shop.yaml"), "utf8")).map((d) => (d.toJS() as { kind: string }).kind);
    assert.deepEqual(shop, ["ConfigMap", "Service", "Deployment"]);
  });
});

/** Every file and stream an export produces, as text per site where it can be told. */
interface Produced {
  readonly all: string;
  /** The unit files / manifests of each site. */
  readonly perSite: ReadonlyMap<string, string>;
}

async function produce(target: "systemd" | "kubernetes", file: string, config: ResolvedConfig): Promise<Produced> {
  const dir = await mkdtemp(path.join(tmp, `${target}-`));
  // The mapping under test is the newest systemd's; the default follows the host's version.
  const version = target === "systemd" ? ["--systemd-version", "254"] : [];
  const r = await cli(target, file, ["--out", dir, ...version]);
  const printed = await cli(target, file, version);
  assert.equal(r.code, 0, r.err);
  const files = new Map<string, string>();
  for (const name of await readdir(dir)) files.set(name, await readFile(path.join(dir, name), "utf8"));
  const perSite = new Map<string, string>();
  for (const site of config.sites) {
    const k8s = site.name.replace(/_/g, "-");
    const mine = [...files].filter(([name]) =>
      target === "systemd" ? name.startsWith(`tsgi-${site.name}.`) || name.startsWith(`tsgi-${site.name}@`) : name === `${k8s}.yaml`,
    );
    perSite.set(site.name, mine.map(([, text]) => text).join("\n"));
  }
  return { all: [r.out, r.err, printed.out, printed.err, ...files.values()].join("\n"), perSite };
}

function semanticChecks(label: string, file: string): void {
  for (const target of ["systemd", "kubernetes"] as const) {
    describe(`export ${target}: semantics on the ${label}`, () => {
      let config: ResolvedConfig;
      let produced: Produced;
      let skipReason: string | undefined;
      before(async () => {
        skipReason = file === EXAMPLE ? await exampleProblem() : undefined;
        if (skipReason !== undefined) return;
        config = await load(file);
        produced = await produce(target, file, config);
      });

      it("writes each site's settings variable in its own unit/Deployment only", (t) => {
        if (skipReason !== undefined) return t.skip(skipReason);
        for (const site of config.sites) {
          if (site.settings === undefined) continue;
          const own = produced.perSite.get(site.name) ?? "";
          const line =
            target === "systemd"
              ? `Environment="${site.settingsVar}=${site.settings}"`
              : `name: ${site.settingsVar}\n              value: ${site.settings}`;
          assert.ok(own.includes(line), `${site.name}: its settings variable is missing`);
          for (const other of config.sites) {
            if (other.name === site.name || other.settings === site.settings) continue;
            assert.ok(
              !(produced.perSite.get(other.name) ?? "").includes(site.settings),
              `${site.name}'s settings ${site.settings} reached ${other.name}`,
            );
          }
        }
      });

      it("writes no secret value anywhere", (t) => {
        if (skipReason !== undefined) return t.skip(skipReason);
        const secrets = config.sites.flatMap((site) =>
          Object.entries(site.env)
            .filter(([n, v]) => looksSecret(n, v))
            .map(([, v]) => v),
        );
        if (file === FIXTURE)
          for (const value of FIXTURE_SECRETS)
            assert.ok(
              secrets.some((s) => s.includes(value)),
              `fixture secret ${value} not seen as secret`,
            );
        for (const value of [...secrets, ...(file === FIXTURE ? FIXTURE_SECRETS : [])]) {
          assert.ok(!produced.all.includes(value), `a secret value reached the ${target} export`);
        }
      });

      it("maps restart, stop and backoff values", (t) => {
        if (skipReason !== undefined) return t.skip(skipReason);
        for (const site of config.sites) {
          const own = produced.perSite.get(site.name) ?? "";
          if (target === "systemd") {
            assert.match(own, new RegExp(`^Restart=${site.restart === "never" ? "no" : site.restart}$`, "m"), site.name);
            assert.match(own, new RegExp(`^KillSignal=${site.stopSignal}$`, "m"), site.name);
            assert.match(own, new RegExp(`^TimeoutStopSec=${timespan(site.stopTimeoutMs)}$`, "m"), site.name);
            assert.match(own, new RegExp(`^KillMode=control-group$`, "m"), site.name);
            assert.match(own, new RegExp(`^StartLimitBurst=${site.maxRestarts.count + 1}$`, "m"), site.name);
            assert.match(own, new RegExp(`^StartLimitIntervalSec=${timespan(site.maxRestarts.withinMs)}$`, "m"), site.name);
            if (site.restart !== "never") {
              assert.match(own, new RegExp(`^RestartSec=${timespan(site.backoff.initialMs)}$`, "m"), site.name);
              assert.match(own, new RegExp(`^RestartMaxDelaySec=${timespan(site.backoff.maxMs)}$`, "m"), site.name);
            }
          } else {
            assert.match(own, new RegExp(`terminationGracePeriodSeconds: ${Math.ceil(site.stopTimeoutMs / 1000)}$`, "m"), site.name);
            assert.match(own, /maxUnavailable: 0$/m, site.name);
            if (site.stopSignal !== "SIGTERM") assert.match(own, new RegExp(`kill -${site.stopSignal.slice(3)} 1;`), site.name);
            if (site.maxMemoryBytes !== undefined) assert.match(own, /limits:\n\s+memory: /, site.name);
            // backoff and maxRestarts have no Deployment field: each is said in a comment.
            assert.match(own, /# backoff: /, site.name);
            assert.match(own, /# maxRestarts: /, site.name);
          }
        }
      });
    });
  }
}

semanticChecks("fixture", FIXTURE);
semanticChecks("example", EXAMPLE);
