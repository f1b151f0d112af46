// tsgi dashboard: plain DOM, one EventSource. Rows are keyed by site name and updated in place
// (only the cells whose text changed), so 200 sites redraw in a few milliseconds. Every text
// that came from the supervisor goes in with textContent, never as HTML.
/* global document, window, location, EventSource, AbortController, TextDecoderStream, getComputedStyle, uPlot */
"use strict";

(() => {
  const STATE_ORDER = ["fatal", "backoff", "exited", "starting", "reloading", "stopping", "idle", "stopped", "running"];
  const ACTIONS = ["start", "stop", "restart", "reload"];
  const MAX_EVENTS = 300;
  const MAX_LOG_LINES = 500;

  const $ = (id) => document.getElementById(id);
  const tbody = document.querySelector("#sites tbody");
  const rows = new Map(); // name → { tr, cells, text }
  /** name → { time: [], memory: [], cpu: [] } */
  const history = new Map();
  let sites = [];
  let receivedAt = Date.now();
  let historyMs = 15 * 60_000;
  let selected = null;
  let charts = null;
  let logAbort = null;

  // ---- formatting ----
  const pad = (n) => String(n).padStart(2, "0");
  function duration(ms) {
    const s = Math.floor(ms / 1000);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
    return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
  }
  function bytes(n) {
    if (n === null || n === undefined) return "–";
    if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
    if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
    return `${(n / 1024 ** 3).toFixed(2)} GB`;
  }
  const percent = (n) => (n === null || n === undefined ? "–" : `${n.toFixed(1)} %`);
  const clock = (t) => {
    const d = new Date(t);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  };
  function addressHref(address) {
    if (!address || address.startsWith("unix:")) return null;
    const bracket = /^\[(.*)\]:(\d+)$/.exec(address);
    let host = bracket ? bracket[1] : address.slice(0, address.lastIndexOf(":"));
    const port = bracket ? bracket[2] : address.slice(address.lastIndexOf(":") + 1);
    if (host === "0.0.0.0" || host === "::") host = location.hostname;
    return `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
  }

  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }
  const SVG = "http://www.w3.org/2000/svg";
  function sparkline(kind) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 80 20");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(SVG, "path");
    svg.append(path);
    const label = el("span", { class: "num" });
    return { wrap: el("span", { class: `spark ${kind}` }, [svg, label]), path, label };
  }
  function sparkPath(time, values) {
    const now = Date.now();
    // The whole width is the time we have, up to the 15 minutes kept (a minute at least).
    const span = Math.min(historyMs, Math.max(60_000, time.length > 0 ? now - time[0] : 0));
    const points = [];
    let max = 0;
    for (let i = 0; i < values.length; i++) if (values[i] !== null && values[i] > max) max = values[i];
    if (max === 0) max = 1;
    let pen = "M";
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null) {
        pen = "M";
        continue;
      }
      const x = 80 - ((now - time[i]) / span) * 80;
      const y = 18 - (v / max) * 16;
      points.push(`${pen}${x.toFixed(1)},${y.toFixed(1)}`);
      pen = "L";
    }
    return points.join("");
  }

  // ---- rows ----
  function makeRow(name) {
    const tr = el("tr", { dataset: { site: name } });
    const state = el("span", { class: "state" });
    const why = el("span", { class: "why" });
    const nameButton = el("button", { type: "button", class: "name", text: name, "aria-label": `Details of ${name}` });
    nameButton.addEventListener("click", () => select(name));
    const address = el("span");
    const memory = sparkline("memory");
    const cpu = sparkline("cpu");
    const actions = el("div", { class: "actions" });
    for (const action of ACTIONS) {
      const button = el("button", { type: "button", text: action, dataset: { action }, "aria-label": `${action} ${name}` });
      button.addEventListener("click", () => act(name, action, button));
      actions.append(button);
    }
    const cells = {
      state: el("td", { class: "state-cell" }, [state]),
      name: el("td", { class: "name-cell" }, [nameButton, why]),
      pids: el("td", { class: "pids num", "data-label": "pids" }),
      uptime: el("td", { class: "uptime num", "data-label": "up" }),
      restarts: el("td", { class: "restarts num", "data-label": "restarts" }),
      memory: el("td", { class: "memory", "data-label": "memory" }, [memory.wrap]),
      cpu: el("td", { class: "cpu", "data-label": "CPU" }, [cpu.wrap]),
      address: el("td", { class: "address", "data-label": "address" }, [address]),
      actions: el("td", { class: "actions-cell" }, [actions]),
    };
    tr.append(...Object.values(cells));
    const row = { tr, cells, state, why, address, memory, cpu, text: {} };
    rows.set(name, row);
    return row;
  }
  function setText(row, key, node, value) {
    if (row.text[key] === value) return;
    row.text[key] = value;
    node.textContent = value;
  }
  function uptimeOf(site) {
    return site.uptimeMs === undefined || site.uptimeMs === null ? undefined : site.uptimeMs + (Date.now() - receivedAt);
  }
  function updateRow(site) {
    const row = rows.get(site.name) ?? makeRow(site.name);
    setText(row, "state", row.state, site.state);
    if (row.state.dataset.state !== site.state) row.state.dataset.state = site.state;
    setText(row, "pids", row.cells.pids, site.pids.length === 0 ? "–" : site.pids.join(", "));
    const up = uptimeOf(site);
    setText(row, "uptime", row.cells.uptime, up === undefined ? "–" : duration(up));
    setText(row, "restarts", row.cells.restarts, String(site.restarts));
    setText(row, "memory", row.memory.label, bytes(site.memoryBytes));
    setText(row, "cpu", row.cpu.label, percent(site.cpuPercent));
    if (row.text.address !== site.address) {
      row.text.address = site.address;
      const href = addressHref(site.address);
      row.address.replaceChildren(href ? el("a", { href, text: site.address, rel: "noreferrer" }) : (site.address ?? "–"));
    }
    // Why a site is down, under its name: a fatal reason, or how its last process ended.
    const down = site.reason ?? site.processes.find((p) => p.detail)?.detail ?? "";
    setText(row, "why", row.why, site.state === "running" ? "" : down);
  }
  function drawSparks(name) {
    const row = rows.get(name);
    const series = history.get(name);
    if (!row || !series) return;
    row.memory.path.setAttribute("d", sparkPath(series.time, series.memory));
    row.cpu.path.setAttribute("d", sparkPath(series.time, series.cpu));
  }

  function sortKey(mode) {
    switch (mode) {
      case "state":
        return (a, b) => STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || a.name.localeCompare(b.name);
      case "memory":
        return (a, b) => (b.memoryBytes ?? -1) - (a.memoryBytes ?? -1) || a.name.localeCompare(b.name);
      case "cpu":
        return (a, b) => (b.cpuPercent ?? -1) - (a.cpuPercent ?? -1) || a.name.localeCompare(b.name);
      case "restarts":
        return (a, b) => b.restarts - a.restarts || a.name.localeCompare(b.name);
      default:
        return (a, b) => a.name.localeCompare(b.name);
    }
  }
  function render() {
    const filter = $("filter").value.trim().toLowerCase();
    const shown = sites.filter((s) => filter === "" || s.name.includes(filter) || s.state === filter || (s.address ?? "").includes(filter));
    shown.sort(sortKey($("sort").value));
    const names = new Set(sites.map((s) => s.name));
    for (const [name, row] of rows) {
      if (!names.has(name)) {
        row.tr.remove();
        rows.delete(name);
        history.delete(name);
      }
    }
    for (const site of sites) updateRow(site);
    // Reorder only when the order changed: moving focused rows would lose keyboard focus.
    const wanted = shown.map((s) => rows.get(s.name).tr);
    const current = Array.from(tbody.children);
    if (wanted.length !== current.length || wanted.some((tr, i) => tr !== current[i])) tbody.replaceChildren(...wanted);
    $("empty").hidden = shown.length > 0 || sites.length === 0;
    const counts = {};
    for (const s of sites) counts[s.state] = (counts[s.state] ?? 0) + 1;
    $("summary").textContent =
      `${sites.length} site${sites.length === 1 ? "" : "s"}: ` +
      Object.entries(counts)
        .sort((a, b) => STATE_ORDER.indexOf(a[0]) - STATE_ORDER.indexOf(b[0]))
        .map(([state, n]) => `${n} ${state}`)
        .join(", ");
    if (selected) renderDetail();
  }

  // ---- history and charts ----
  function addSample(time, site) {
    let series = history.get(site.name);
    if (!series) history.set(site.name, (series = { time: [], memory: [], cpu: [] }));
    series.time.push(time);
    series.memory.push(site.memoryBytes ?? null);
    series.cpu.push(site.cpuPercent ?? null);
    const oldest = Date.now() - historyMs;
    while (series.time.length > 0 && series.time[0] < oldest) {
      series.time.shift();
      series.memory.shift();
      series.cpu.shift();
    }
  }
  function chartData(series, key, scale) {
    return [series.time.map((t) => t / 1000), series[key].map((v) => (v === null ? null : v / scale))];
  }
  function makeCharts() {
    if (typeof uPlot !== "function") return null;
    const style = getComputedStyle(document.documentElement);
    const axis = { stroke: style.getPropertyValue("--muted").trim(), grid: { stroke: style.getPropertyValue("--line").trim() } };
    const make = (id, label, color) => {
      const target = $(id);
      const width = Math.max(240, target.clientWidth || 300);
      return new uPlot(
        {
          width,
          height: 150,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          scales: { y: { range: (u, min, max) => [0, Math.max((max ?? 0) * 1.1, 1)] } },
          axes: [axis, { ...axis, size: 56, values: (u, ticks) => ticks.map((v) => v.toFixed(v < 10 ? 1 : 0)) }],
          series: [{}, { label, stroke: style.getPropertyValue(color).trim(), width: 1.5, spanGaps: false, points: { show: false } }],
        },
        [[], []],
        target,
      );
    };
    return { memory: make("chart-memory", "MB", "--spark-memory"), cpu: make("chart-cpu", "%", "--spark-cpu") };
  }
  function drawCharts() {
    if (!selected) return;
    charts ??= makeCharts();
    const series = history.get(selected) ?? { time: [], memory: [], cpu: [] };
    if (!charts) return;
    charts.memory.setData(chartData(series, "memory", 1024 * 1024));
    charts.cpu.setData(chartData(series, "cpu", 1));
  }

  // ---- detail panel and log tail ----
  function select(name) {
    if (selected === name) return;
    if (selected) rows.get(selected)?.tr.classList.remove("selected");
    selected = name;
    rows.get(name)?.tr.classList.add("selected");
    $("detail").hidden = false;
    $("detail-title").textContent = name;
    renderDetail();
    drawCharts();
    followLog(name);
    $("detail").scrollIntoView({ block: "nearest" });
  }
  function closeDetail() {
    if (selected) rows.get(selected)?.tr.classList.remove("selected");
    selected = null;
    $("detail").hidden = true;
    logAbort?.abort();
    logAbort = null;
  }
  function renderDetail() {
    const site = sites.find((s) => s.name === selected);
    if (!site) return closeDetail();
    $("detail-reason").textContent = site.reason ?? "";
    $("detail-processes").replaceChildren(
      ...site.processes.map((p) =>
        el("li", {
          text: `${site.name}.${p.index}: ${p.state}${p.pid ? ` pid ${p.pid}` : ""}${p.memoryBytes != null ? `, ${bytes(p.memoryBytes)}` : ""}${p.detail ? ` — ${p.detail}` : ""}`,
        }),
      ),
    );
  }
  function appendLog(entry) {
    const log = $("log");
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    const text = entry.proc ? `${selected}.${entry.proc} | ${entry.line}` : `tsgi | ${entry.line.replace(/^\[tsgi\] /, "")}`;
    const line = el("span", { class: entry.stream ?? "out", text: `${clock(entry.time)} ${text}\n` });
    log.append(line);
    while (log.childElementCount > MAX_LOG_LINES) log.firstElementChild.remove();
    if (atBottom) log.scrollTop = log.scrollHeight;
  }
  async function followLog(name) {
    logAbort?.abort();
    const abort = new AbortController();
    logAbort = abort;
    $("log").replaceChildren();
    $("log-state").textContent = "(following)";
    try {
      const response = await fetch(`/v1/sites/${encodeURIComponent(name)}/logs?lines=200&follow=1`, { signal: abort.signal });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += value;
        let newline;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const text = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (text.trim() !== "") appendLog(JSON.parse(text));
        }
      }
      if (logAbort === abort) $("log-state").textContent = "(ended)";
    } catch (error) {
      if (abort.signal.aborted) return;
      $("log-state").textContent = `(stopped: ${error.message})`;
    }
  }

  // ---- events ----
  function describe(event) {
    switch (event.type) {
      case "process-exited": {
        const cause =
          event.cause.reason === "signal"
            ? event.cause.signal
            : event.cause.reason === "exit-code"
              ? `exit ${event.cause.code}`
              : event.cause.reason;
        const clean = event.cause.reason === "exit-code" && event.cause.code === 0;
        return {
          kind: clean ? "minor" : "crash",
          site: `${event.site}.${event.index}`,
          text: `${clean ? "exited" : "crashed"} (${cause}) after ${duration(event.uptimeMs)}: ${event.detail}`,
        };
      }
      case "restart":
        return { kind: "minor", site: `${event.site}.${event.index}`, text: `restarting in ${event.delayMs} ms` };
      case "reload":
        return event.ok
          ? { kind: "reload", site: event.site, text: `reloaded in ${event.durationMs} ms` }
          : { kind: "failed", site: event.site, text: `reload failed after ${event.durationMs} ms: ${event.detail}` };
      case "started":
        return { kind: "minor", site: event.site, text: `started in ${event.durationMs} ms` };
      case "start-failed":
        return { kind: "failed", site: event.site, text: `failed to start: ${event.error}` };
      case "process-started":
        return { kind: "minor", site: `${event.site}.${event.index}`, text: `pid ${event.pid} started` };
      case "state":
        return { kind: "minor", site: event.site, text: `${event.from} → ${event.to}${event.detail ? `: ${event.detail}` : ""}` };
      case "config":
        return event.ok
          ? {
              kind: "reload",
              site: "sites.yaml",
              text: `reload-config: added ${event.added.join(", ") || "–"}; removed ${event.removed.join(", ") || "–"}; changed ${event.changed.join(", ") || "–"}`,
            }
          : { kind: "failed", site: "sites.yaml", text: "reload-config failed, nothing changed:", pre: event.errors };
      default:
        return { kind: "minor", site: "", text: JSON.stringify(event) };
    }
  }
  function addEvent(event) {
    const d = describe(event);
    const li = el("li", { dataset: { kind: d.kind, type: event.type, site: event.site ?? "" } }, [
      el("time", { datetime: new Date(event.time).toISOString(), text: clock(event.time) }),
      el("span", { class: "site", text: d.site }),
      el("span", { class: "text", text: d.text }),
    ]);
    if (d.pre) li.append(el("pre", { text: d.pre }));
    const list = $("events");
    list.prepend(li);
    while (list.childElementCount > MAX_EVENTS) list.lastElementChild.remove();
  }

  // ---- actions ----
  function answer(text, ok) {
    const node = $("answer");
    node.textContent = text;
    node.className = `answer ${ok ? "ok" : "failed"}`;
  }
  async function post(path) {
    const response = await fetch(path, { method: "POST" });
    const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
    return { status: response.status, body };
  }
  async function act(name, action, button) {
    button.disabled = true;
    answer(`${action} ${name}…`, true);
    try {
      const { body } = await post(`/v1/sites/${encodeURIComponent(name)}/${action}`);
      if (body.error) return answer(body.error, false);
      const results = Object.values(body.results ?? {});
      answer(results.map((r) => r.message).join("; ") || `${action} ${name}: done`, body.ok === true);
    } catch (error) {
      answer(`${action} ${name}: ${error.message}`, false);
    } finally {
      button.disabled = false;
    }
  }
  async function reloadConfig(button) {
    button.disabled = true;
    answer("reload-config…", true);
    try {
      const { body } = await post("/v1/reload-config");
      if (body.ok) {
        const r = body.report;
        answer(
          `configuration applied: added ${r.added.join(", ") || "–"}; removed ${r.removed.join(", ") || "–"}; changed ${r.changed.join(", ") || "–"}`,
          true,
        );
      } else answer(body.errors ?? body.error ?? "reload-config failed", false);
    } catch (error) {
      answer(`reload-config: ${error.message}`, false);
    } finally {
      button.disabled = false;
    }
  }

  // ---- the feed ----
  function connect() {
    const source = new EventSource("/events");
    source.onopen = () => {
      $("connection").textContent = "live";
      $("connection").className = "connection live";
    };
    source.onerror = () => {
      $("connection").textContent = "reconnecting…";
      $("connection").className = "connection lost";
    };
    source.onmessage = (message) => {
      const data = JSON.parse(message.data);
      switch (data.type) {
        case "hello":
          historyMs = data.historyMs;
          history.clear();
          for (const [name, series] of Object.entries(data.history))
            history.set(name, { time: [...series.time], memory: [...series.memory], cpu: [...series.cpu] });
          $("events").replaceChildren();
          for (const event of data.events) addEvent(event);
          sites = data.sites;
          receivedAt = Date.now();
          render();
          for (const name of history.keys()) drawSparks(name);
          drawCharts();
          break;
        case "sites":
          sites = data.sites;
          receivedAt = Date.now();
          if (data.sample) for (const site of data.sites) addSample(data.time, site);
          render();
          if (data.sample) {
            for (const site of data.sites) drawSparks(site.name);
            drawCharts();
          }
          break;
        case "event":
          addEvent(data.event);
          break;
      }
    };
  }

  $("filter").addEventListener("input", render);
  $("all-events").addEventListener("change", (e) => $("events").classList.toggle("all", e.currentTarget.checked));
  $("sort").addEventListener("change", render);
  $("reload-config").addEventListener("click", (e) => reloadConfig(e.currentTarget));
  $("detail-close").addEventListener("click", closeDetail);
  document.addEventListener("keydown", (e) => {
    if (e.key === "/" && document.activeElement !== $("filter")) {
      e.preventDefault();
      $("filter").focus();
    } else if (e.key === "Escape" && selected) closeDetail();
  });
  // Uptimes tick between updates.
  setInterval(() => {
    for (const site of sites) {
      const row = rows.get(site.name);
      const up = uptimeOf(site);
      if (row) setText(row, "uptime", row.cells.uptime, up === undefined ? "–" : duration(up));
    }
  }, 1000);
  window.addEventListener("resize", () => {
    if (!charts) return;
    for (const [key, chart] of Object.entries(charts)) chart.setSize({ width: Math.max(240, $(`chart-${key}`).clientWidth), height: 150 });
  });
  connect();
})();
