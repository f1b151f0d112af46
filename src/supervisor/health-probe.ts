/**
 * One liveness probe for `health:`: `GET PATH` on the site's socket, answered by whichever of
 * its processes accepts (unlike readiness, which must reach one new process). Refused, timed
 * out, or a 5xx is a failure.
 */
import type { ListenAddress } from "../config/types.js";
import type { Clock } from "../time/clock.js";
import type { ProbeResult } from "./health-policy.js";

export function probeHealth(address: ListenAddress, path: string, timeoutMs: number, clock: Clock): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const target = address.type === "tcp" ? { host: address.host, port: address.port } : { socketPath: address.path };
    const host = address.type === "tcp" ? (address.host.includes(":") ? `[${address.host}]` : address.host) : "localhost";
    let done = false;
    const finish = (result: ProbeResult): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    // node:http loaded at the first probe, not with the run path: most sites have no `health:`.
    const request = process
      .getBuiltinModule("node:http")
      .get({ ...target, path, agent: false, headers: { host, "user-agent": "tsgi-health-probe", connection: "close" } }, (response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        finish(status < 500 ? { ok: true, status } : { ok: false, why: "status", status, message: `answered ${status}` });
      });
    const timer = clock.setTimeout(() => finish({ ok: false, why: "timeout", message: `no answer within ${timeoutMs} ms` }), timeoutMs);
    request.on("error", (error: NodeJS.ErrnoException) =>
      finish(
        error.code === "ECONNREFUSED" || error.code === "ENOENT"
          ? { ok: false, why: "refused", message: "connection refused" }
          : { ok: false, why: "error", message: error.message },
      ),
    );
  });
}
