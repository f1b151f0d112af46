/**
 * The router's own pages, rendered on the server as plain HTML (readable with JavaScript off):
 * the index of every site, the page of a site that cannot serve, and the unknown-name page.
 * Everything that comes from a site (names, reasons, log lines) is escaped.
 */
import type { RecentLine } from "../logging/recent-lines.js";
import type { SiteSnapshot } from "../supervisor/site-snapshot.js";

/** Lines of a site's log on its error page. */
export const ERROR_PAGE_LOG_LINES = 40;
/** Seconds between reloads of an error page: it becomes the site once the site serves. */
export const ERROR_PAGE_REFRESH_S = 1;

export interface IndexEntry {
  readonly snapshot: SiteSnapshot;
  /** Undefined when the site has no `listen:` address (nothing to route to). */
  readonly url: string | undefined;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}
pre{background:#111;color:#eee;padding:1rem;overflow:auto;font-size:13px}.state{font-weight:600}
.running{color:#17702a}.fatal,.backoff,.exited{color:#b00020}`;

function page(title: string, body: string, refreshSeconds?: number): string {
  const refresh = refreshSeconds === undefined ? "" : `<meta http-equiv="refresh" content="${refreshSeconds}">`;
  return `<!doctype html><html><head><meta charset="utf-8">${refresh}<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>\n`;
}

export function indexPage(entries: readonly IndexEntry[]): string {
  const rows = entries.map(({ snapshot: s, url }) => {
    const name = url === undefined ? escapeHtml(s.name) : `<a href="${escapeHtml(url)}">${escapeHtml(s.name)}</a>`;
    return `<tr><td>${name}</td><td class="state ${escapeHtml(s.state)}">${escapeHtml(s.state)}</td><td>${escapeHtml(s.kind)}</td><td>${escapeHtml(s.address ?? "no listen address")}</td></tr>`;
  });
  return page(
    "tsgi sites",
    `<h1>tsgi sites</h1><table><thead><tr><th>site</th><th>state</th><th>kind</th><th>address</th></tr></thead><tbody>${rows.join("")}</tbody></table>`,
  );
}

export interface ErrorPageInput {
  readonly snapshot: SiteSnapshot;
  readonly headline: string;
  readonly lines: readonly RecentLine[];
  readonly indexUrl: string;
  /** Said first, before the site's own reasons (a failed reload's error). */
  readonly detail?: string | undefined;
}

export function errorPage(input: ErrorPageInput): string {
  const s = input.snapshot;
  const reasons = [
    ...(input.detail === undefined ? [] : [input.detail]),
    ...(s.reason === undefined ? [] : [s.reason]),
    ...s.processes.flatMap((p) => (p.detail === undefined ? [] : [`process ${p.index}: ${p.detail}`])),
  ];
  const log = input.lines.map((l) => escapeHtml(l.line)).join("\n");
  return page(
    `${s.name}: ${s.state}`,
    `<h1>${escapeHtml(s.name)} is ${escapeHtml(s.state)}</h1>` +
      `<p class="state ${escapeHtml(s.state)}">${escapeHtml(input.headline)}</p>` +
      (reasons.length === 0 ? "" : `<h2>Reason</h2><ul>${reasons.map((r) => `<li><pre>${escapeHtml(r)}</pre></li>`).join("")}</ul>`) +
      `<h2>Last ${ERROR_PAGE_LOG_LINES} log lines</h2><pre>${log || "(no output)"}</pre>` +
      `<p>This page reloads every ${ERROR_PAGE_REFRESH_S} s and turns into the site as soon as it serves. <a href="${escapeHtml(input.indexUrl)}">All sites</a></p>`,
    ERROR_PAGE_REFRESH_S,
  );
}

export function unknownSitePage(
  name: string,
  known: ReadonlyArray<{ readonly name: string; readonly url: string | undefined }>,
  suggestion: string | undefined,
): string {
  const link = (k: { readonly name: string; readonly url: string | undefined }): string =>
    k.url === undefined ? escapeHtml(k.name) : `<a href="${escapeHtml(k.url)}">${escapeHtml(k.name)}</a>`;
  const hint = known.find((k) => k.name === suggestion);
  return page(
    `no site ${name}`,
    `<h1>No site named “${escapeHtml(name)}”</h1>` +
      (hint === undefined ? "" : `<p>Did you mean ${link(hint)}?</p>`) +
      `<p>Sites: ${known.map(link).join(", ") || "none"}</p>`,
  );
}
