/**
 * `supervisor.http`: the dashboard, the control API and `/metrics` on TCP, in the supervisor.
 */
import type http from "node:http";
import type { HttpPlan } from "../config/types.js";
import type { InProcessDashboard } from "../dashboard/in-process.js";
import type { Log } from "../logging/logger.js";
import type { TappedLog } from "../logging/tap.js";
import { createMetrics } from "../metrics/registry.js";
import { tokenAuth } from "./auth.js";
import { exposureWarning } from "./exposure.js";
import { startHttpListener, type HttpListener } from "./listener.js";

export async function startSupervisorHttp(options: {
  readonly plan: HttpPlan;
  readonly dashboard: InProcessDashboard;
  readonly control: http.RequestListener;
  readonly log: Log;
  readonly tapped: TappedLog;
}): Promise<HttpListener> {
  const { plan, dashboard, log } = options;
  const warning = exposureWarning(plan.listen.host, plan.listen.port);
  if (warning !== undefined) log.event("warn", warning);
  const metrics = createMetrics(dashboard.view, options.tapped);
  const listener = await startHttpListener(plan.listen.host, plan.listen.port, {
    auth: tokenAuth(plan.token),
    control: options.control,
    feed: dashboard.feed,
    metrics: () => metrics.scrape(),
  });
  log.event("info", `dashboard, control API and metrics on ${listener.url} (token: supervisor.http.token)`);
  return {
    ...listener,
    async close() {
      metrics.close();
      await listener.close();
    },
  };
}
