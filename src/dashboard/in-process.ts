/**
 * The dashboard's parts inside the supervisor: its events (the supervisor's, as plain data), its status, and
 * the feed every viewer shares. Made once, on the first viewer — or at start-up with
 * `supervisor.http`, so the history and the counters cover the supervisor's whole life.
 */
import { sitesStatus } from "../control/status.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import { SupervisorFeed } from "./feed.js";
import { dashboardEvents } from "./supervisor-events.js";
import type { SupervisorEvent, SupervisorView } from "./view.js";

export interface InProcessDashboard {
  readonly view: SupervisorView;
  readonly feed: SupervisorFeed;
  /** Events only the caller knows of (a `reload-config` outcome). */
  emit(event: SupervisorEvent): void;
  close(): void;
}

export function inProcessDashboard(supervisor: Supervisor, options: { always: boolean }): InProcessDashboard {
  const events = dashboardEvents(supervisor.events);
  const view: SupervisorView = { status: () => sitesStatus(supervisor.sites()), subscribe: (listener) => events.subscribe(listener) };
  // TSGI_DASHBOARD_SAMPLE_MS shortens the sampling period (tests).
  const sampleMs = Number(process.env["TSGI_DASHBOARD_SAMPLE_MS"]) || undefined;
  const feed = new SupervisorFeed(view, { always: options.always, ...(sampleMs === undefined ? {} : { sampleMs }) });
  return { view, feed, emit: (event) => events.emit(event), close: () => feed.close() };
}
