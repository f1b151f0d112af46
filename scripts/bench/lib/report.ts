/**
 * Results: every row of the benchmark as data (raw JSON), and the markdown tables made from it.
 *
 * A row (`Metric`) has one cell per peer: measured values (summarised as median and min–max),
 * "–" for a peer without that feature (with a footnote saying why), or a failure to reach the
 * measured state at all ("never within 5 s"). Goals are judged on tsgi's cell.
 */
import type { PeerName } from "../peers/types.js";
import { summarize, type Summary } from "./stats.js";

export type Unit = "ms" | "requests" | "MiB" | "KiB" | "% of a core" | "req/s" | "lines/s" | "lines" | "×" | "µs";

export type Cell =
  | {
      readonly kind: "values";
      readonly values: readonly number[];
      /** Listed under the scenario (how failures failed, …). */
      readonly detail?: string;
      /** A footnote on the cell in the summary table. */
      readonly footnote?: string;
      /** The ratio to bare when measured pairwise (median of per-round ratios), not median / median. */
      readonly ratio?: number;
    }
  | { readonly kind: "lacks"; readonly why: string }
  | { readonly kind: "never"; readonly why: string; readonly values?: readonly number[] };

export interface Verdict {
  readonly met: boolean;
  readonly text: string;
}

export interface Metric {
  readonly id: string;
  readonly scenario: string;
  readonly title: string;
  readonly unit: Unit;
  /** Show `× bare` next to each cell (bare is the floor for this row). */
  readonly ratioToBare: boolean;
  readonly goal: string | undefined;
  readonly command: string;
  readonly cells: Partial<Record<PeerName, Cell>>;
  /** Peers measured in this row only (uWSGI's Emperor, another tsgi configuration), by label. */
  readonly others?: Readonly<Record<string, Cell>>;
  verdict?: Verdict;
}

export interface RunInfo {
  readonly date: string;
  readonly mode: "full" | "quick";
  readonly machine: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly command: string;
  readonly durationS: number;
  readonly peers: readonly { readonly name: PeerName; readonly label: string }[];
  readonly load: string;
}

export interface Results {
  readonly info: RunInfo;
  readonly metrics: readonly Metric[];
  /** Per-scenario notes written by the scenario (what was measured, how). */
  readonly notes: Readonly<Record<string, readonly string[]>>;
}

export function cellSummary(cell: Cell | undefined): Summary | undefined {
  return cell?.kind === "values" ? summarize(cell.values) : undefined;
}

/** Column headings of the summary table. */
const SHORT: Readonly<Record<PeerName, string>> = {
  bare: "bare",
  tsgi: "tsgi",
  "pm2-fork": "PM2 fork",
  "pm2-cluster": "PM2 cluster",
  supervisord: "supervisord",
  nodemon: "nodemon",
};

/** A peer's ratio to the bare floor on a row: pairwise when the scenario measured it so, else median / median. */
export function ratioToBare(metric: Metric, peer: PeerName): number | undefined {
  const cell = metric.cells[peer];
  if (cell?.kind === "values" && cell.ratio !== undefined) return cell.ratio;
  const own = cellSummary(cell);
  const floor = cellSummary(metric.cells.bare);
  return own === undefined || floor === undefined || floor.median === 0 ? undefined : own.median / floor.median;
}

export function formatNumber(value: number, unit: Unit): string {
  if (unit === "×") return `${value.toFixed(2)} ×`;
  if (unit === "MiB" || unit === "KiB" || unit === "% of a core") return value < 10 ? value.toFixed(1) : Math.round(value).toString();
  const rounded = Math.round(value);
  return rounded >= 10_000 ? rounded.toLocaleString("en-US").replaceAll(",", " ") : rounded.toString();
}

function formatCell(metric: Metric, peer: PeerName, footnote: (why: string) => string): string {
  return formatGiven(metric, metric.cells[peer], peer === "bare" ? undefined : ratioToBare(metric, peer), footnote);
}

/** A row-only peer's cell, with its ratio to the row's bare floor. */
function formatOther(metric: Metric, cell: Cell, footnote: (why: string) => string): string {
  const own = cellSummary(cell);
  const floor = cellSummary(metric.cells.bare);
  const ratio = own === undefined || floor === undefined || floor.median === 0 ? undefined : own.median / floor.median;
  return formatGiven(metric, cell, ratio, footnote);
}

function formatGiven(metric: Metric, cell: Cell | undefined, ratio: number | undefined, footnote: (why: string) => string): string {
  if (cell === undefined) return "";
  if (cell.kind === "lacks") return `–${footnote(cell.why)}`;
  if (cell.kind === "never") return `never${footnote(cell.why)}`;
  const summary = summarize(cell.values);
  if (summary === undefined) return "";
  let text = formatNumber(summary.median, metric.unit);
  if (summary.n > 1 && summary.min !== summary.max)
    text += ` (${formatNumber(summary.min, metric.unit)}–${formatNumber(summary.max, metric.unit)})`;
  if (metric.ratioToBare && ratio !== undefined) text += ` · ${ratio.toFixed(2)}×`;
  if (cell.footnote !== undefined) text += footnote(cell.footnote);
  return text;
}

export function renderMarkdown(results: Results, peers: readonly PeerName[], scenarioTitles: Readonly<Record<string, string>>): string {
  const notes: string[] = [];
  const footnote = (why: string): string => {
    let index = notes.indexOf(why);
    if (index === -1) {
      notes.push(why);
      index = notes.length - 1;
    }
    return `<sup>${index + 1}</sup>`;
  };
  const info = results.info;
  const out: string[] = [];
  out.push(`## Results: ${info.mode} run of ${info.date.slice(0, 10)}`, "");
  out.push(
    `Run on ${info.date} with \`${info.command}\` (${Math.round(info.durationS / 60)} min).`,
    "",
    `**Machine:** ${info.machine}`,
    "",
    `**Peers:** ${info.peers.map((p) => `${SHORT[p.name]} = ${p.label}`).join("; ")}.`,
    "",
    `**Versions:** ${Object.entries(info.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(" · ")}`,
    "",
    `**Load:** ${info.load}`,
    "",
    "Each cell: median (min–max) over the trials; `· 1.05×` is the ratio to the bare floor measured in the same run. " +
      "`–` = the peer has no such feature (footnote), `never` = the state was not reached within the bound given in the footnote. " +
      "Every server listens on 127.0.0.1 only.",
    "",
  );
  out.push("### Summary", "");
  out.push(`| row | unit | goal for tsgi | ${peers.map((p) => SHORT[p]).join(" | ")} | tsgi vs goal |`);
  out.push(`|---|---|---|${peers.map(() => "---|").join("")}---|`);
  for (const metric of results.metrics) {
    const cells = peers.map((p) => formatCell(metric, p, footnote));
    const verdict =
      metric.verdict === undefined ? "" : metric.verdict.met ? `met: ${metric.verdict.text}` : `**missed**: ${metric.verdict.text}`;
    const others = Object.entries(metric.others ?? {}).map(([label, cell]) => `${label}: ${formatOther(metric, cell, footnote)}`);
    const title = others.length === 0 ? metric.title : `${metric.title} (beside: ${others.join("; ")})`;
    out.push(`| ${title} | ${metric.unit} | ${metric.goal ?? ""} | ${cells.join(" | ")} | ${verdict} |`);
  }
  out.push("");
  out.push("### Each scenario: what was measured, and the command that reproduces it", "");
  const scenarios = [...new Set(results.metrics.map((m) => m.scenario))];
  for (const scenario of scenarios) {
    const metrics = results.metrics.filter((m) => m.scenario === scenario);
    out.push(`#### ${scenarioTitles[scenario] ?? scenario}`, "");
    out.push("```sh", metrics[0]?.command ?? "", "```", "");
    for (const line of results.notes[scenario] ?? []) out.push(`- ${line}`);
    const details = metrics.flatMap((m) =>
      peers.flatMap((p) => {
        const cell = m.cells[p];
        return cell?.kind === "values" && cell.detail !== undefined ? [`${m.title} — ${cell.detail}`] : [];
      }),
    );
    if (details.length > 0) {
      out.push("", "How the failures failed:", "");
      for (const line of details) out.push(`- ${line}`);
    }
    out.push("");
  }
  out.push("### Footnotes", "");
  notes.forEach((note, i) => out.push(`${i + 1}. ${note}`));
  out.push("");
  return out.join("\n");
}

/** A cell from trial values, or `never` when a trial did not reach the state at all. */
export function valuesCell(values: readonly number[], misses: number, never: string, detail?: string): Cell {
  if (misses > 0) return { kind: "never", why: `${never} (${misses} of ${values.length + misses} trials)`, values };
  return detail === undefined ? { kind: "values", values } : { kind: "values", values, detail };
}
