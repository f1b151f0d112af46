/**
 * The router's pure decisions: which site a Host header names, what a site's state makes of a
 * request, and pages that escape what comes from a site.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { hostName, routeHost, type RouteTable } from "../../../src/router/host-route.js";
import { escapeHtml, errorPage, unknownSitePage } from "../../../src/router/pages.js";
import { gateDecision, wakeOnRequest } from "../../../src/router/site-gate.js";
import type { SiteState } from "../../../src/supervisor/site-state.js";

const TABLE: RouteTable = { domain: "localhost", sites: new Set(["alpha", "beta"]), hosts: new Map([["shop.test", "beta"]]) };

test("routeHost: name.domain, the bare domain or address, extra host names, unknown names", () => {
  const cases: Array<[string | undefined, ReturnType<typeof routeHost>]> = [
    ["alpha.localhost:8000", { kind: "site", name: "alpha" }],
    ["ALPHA.localhost.:8000", { kind: "site", name: "alpha" }],
    ["beta.localhost", { kind: "site", name: "beta" }],
    ["localhost:8000", { kind: "index" }],
    ["127.0.0.1:8000", { kind: "index" }],
    ["[::1]:8000", { kind: "index" }],
    [undefined, { kind: "index" }],
    ["shop.test:8000", { kind: "site", name: "beta" }],
    ["alpah.localhost:8000", { kind: "unknown", name: "alpah" }],
    ["example.com", { kind: "unknown", name: "example.com" }],
  ];
  for (const [host, expected] of cases) assert.deepEqual(routeHost(host, TABLE), expected, String(host));
  assert.equal(hostName("[::1]"), "::1");
});

test("gateDecision: every state has its answer", () => {
  const states: Array<[SiteState, string]> = [
    [{ kind: "running", generation: 1 }, "proxy"],
    [{ kind: "reloading", generation: 1, next: 2, reason: undefined }, "proxy"],
    [{ kind: "idle" }, "proxy"],
    [{ kind: "starting", generation: 1 }, "wait"],
    [{ kind: "backoff", generation: 1, until: 0, lastExit: "exit code 1" }, "error 502"],
    [{ kind: "exited", generation: 1, lastExit: "signal SIGKILL" }, "error 502"],
    [{ kind: "fatal", cause: "crash-loop", reason: "x" }, "error 503"],
    [{ kind: "stopped" }, "error 503"],
    [{ kind: "stopping", generation: 1 }, "error 503"],
  ];
  for (const [state, expected] of states) {
    const decision = gateDecision(state);
    assert.equal(decision.kind === "error" ? `error ${decision.status}` : decision.kind, expected, state.kind);
  }
  assert.match(JSON.stringify(gateDecision({ kind: "backoff", generation: 1, until: 0, lastExit: "exit code 3" })), /exit code 3/);
  assert.equal(wakeOnRequest({ kind: "idle" }), true);
  assert.equal(wakeOnRequest({ kind: "running", generation: 1 }), false);
});

test("pages escape names, reasons and log lines", () => {
  assert.equal(escapeHtml(`<a href="x">&'`), "&#60;a href=&#34;x&#34;&#62;&#38;&#39;");
  const html = errorPage({
    snapshot: {
      name: "web",
      state: "fatal",
      kind: "app",
      address: "127.0.0.1:1",
      generation: 1,
      restarts: 2,
      processes: [],
      reason: "bad <config>",
      scaling: undefined,
    },
    headline: "failed to start",
    detail: "app/x.ts:1:5: SyntaxError",
    lines: [{ time: 0, proc: 1, stream: "err", line: "<script>alert(1)</script>" }],
    indexUrl: "http://localhost:8000/",
  });
  assert.doesNotMatch(html, /<script>/);
  assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
  assert.match(html, /bad &#60;config&#62;/);
  assert.match(html, /app\/x\.ts:1:5: SyntaxError/);
  assert.match(unknownSitePage("<x>", [{ name: "alpha", url: undefined }], "alpha"), /No site named “&#60;x&#62;”.*Did you mean alpha\?/s);
});
