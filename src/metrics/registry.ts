/**
 * `/metrics` in the Prometheus text format, with prom-client (the one import site): per site and
 * per process number — never per pid, which would make a new series at every restart — and the
 * supervisor's own process. Gauges are read from the status at scrape time; counters and
 * histograms follow the event feed from the moment the listener starts.
 */
import client from "prom-client";
import type { SiteStatus } from "../control/protocol.js";
import type { ExitCause, SupervisorView } from "../dashboard/view.js";
import type { TappedLog } from "../logging/tap.js";

const STATES = ["stopped", "starting", "running", "reloading", "backoff", "stopping", "exited", "fatal", "idle"] as const;
/** prom-client's default gauges that carry a `_total` suffix, which promtool rejects (`_total` means a counter). */
const REJECTED_DEFAULTS = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];
const RESTART_REASONS: readonly ExitCause["reason"][] = ["exit-code", "signal", "not-ready", "spawn-error"];
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface Metrics {
  scrape(): Promise<{ readonly type: string; readonly body: string }>;
  close(): void;
}

export function createMetrics(view: SupervisorView, log: TappedLog): Metrics {
  const registry = new client.Registry();
  // The supervisor's own: heap, event-loop lag, open fds, CPU, memory. The loop-lag monitor at a
  // coarse resolution: it wakes the supervisor at that rate.
  client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  for (const name of REJECTED_DEFAULTS) registry.removeSingleMetric(name);

  const up = new client.Gauge({
    name: "tsgi_site_up",
    help: "1 while the site serves (running or reloading)",
    labelNames: ["site"],
    registers: [registry],
  });
  const state = new client.Gauge({
    name: "tsgi_site_state",
    help: "1 for the site's current state, 0 for the others",
    labelNames: ["site", "state"],
    registers: [registry],
  });
  const processes = new client.Gauge({
    name: "tsgi_site_processes",
    help: "Live processes of the site",
    labelNames: ["site"],
    registers: [registry],
  });
  const memory = new client.Gauge({
    name: "tsgi_process_resident_memory_bytes",
    help: "Resident memory of a site's process and its process group",
    labelNames: ["site", "process"],
    registers: [registry],
  });
  const cpu = new client.Counter({
    name: "tsgi_process_cpu_seconds_total",
    help: "CPU time (user + system) of a site's process and its process group since it started",
    labelNames: ["site", "process"],
    registers: [registry],
  });
  const restarts = new client.Counter({
    name: "tsgi_site_restarts_total",
    help: "Processes restarted after an unplanned end, by how they ended (exit-code, signal, not-ready, spawn-error)",
    labelNames: ["site", "reason"],
    registers: [registry],
  });
  const starts = new client.Histogram({
    name: "tsgi_site_start_duration_seconds",
    help: "From start to every process ready",
    labelNames: ["site"],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const reloads = new client.Histogram({
    name: "tsgi_site_reload_duration_seconds",
    help: "From reload to the new generation serving (or failing)",
    labelNames: ["site", "result"],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const lines = new client.Counter({
    name: "tsgi_log_lines_total",
    help: "Lines the site's processes wrote",
    labelNames: ["site"],
    registers: [registry],
  });

  const known = new Set<string>();
  const stopEvents = view.subscribe((event) => {
    switch (event.type) {
      case "restart":
        restarts.inc({ site: event.site, reason: event.cause.reason });
        return;
      case "started":
        starts.observe({ site: event.site }, event.durationMs / 1000);
        return;
      case "reload":
        reloads.observe({ site: event.site, result: event.ok ? "ok" : "failed" }, event.durationMs / 1000);
        return;
      case "state":
      case "process-exited":
      case "process-started":
      case "start-failed":
      case "config":
        return;
      default:
        throw new Error(`unknown event ${JSON.stringify(event satisfies never)}`);
    }
  });
  // Counted per line, summed per site: a Map lookup, no string building on the log's hot path.
  const counts = new Map<string, number>();
  const stopLines = log.listen({ output: (site, _proc, _stream, count) => counts.set(site, (counts.get(site) ?? 0) + count) });

  return {
    async scrape() {
      const latest: readonly SiteStatus[] = await view.status();
      // Series of removed sites and ended processes go, rather than linger at their last value.
      for (const metric of [up, state, processes, memory]) metric.reset();
      cpu.reset();
      for (const site of latest) {
        // Every site's restart series exists from its first scrape, at 0: `increase()` then sees
        // the first crash, which it would miss on a series that appears with it.
        if (!known.has(site.name)) {
          known.add(site.name);
          for (const reason of RESTART_REASONS) restarts.inc({ site: site.name, reason }, 0);
        }
        up.set({ site: site.name }, site.state === "running" || site.state === "reloading" ? 1 : 0);
        for (const name of STATES) state.set({ site: site.name, state: name }, site.state === name ? 1 : 0);
        processes.set({ site: site.name }, site.pids.length);
        for (const proc of site.processes) {
          const labels = { site: site.name, process: String(proc.index) };
          if (proc.memoryBytes !== undefined) memory.set(labels, proc.memoryBytes);
          if (proc.cpuSeconds !== undefined) cpu.inc(labels, proc.cpuSeconds);
        }
      }
      for (const [site, count] of counts) {
        lines.inc({ site }, count);
        counts.set(site, 0);
      }
      return { type: registry.contentType, body: await registry.metrics() };
    },
    close() {
      stopEvents();
      stopLines();
      registry.clear();
    },
  };
}
