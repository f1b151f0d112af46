/**
 * Durations and sizes as written in `sites.yaml`.
 *
 * Durations: `250ms`, `30s`, `5m`, `1h`, decimals (`1.5s`) and compounds (`1m30s`). A bare
 * number is refused (except `0`): `30` could mean seconds (systemd) or milliseconds (PM2), and
 * guessing wrong is a 1000× mistake. Sizes: `100KB`, `512MB`, `1GB` (also `K`/`M`/`G`,
 * `KiB`/`MiB`/`GiB`, `B`), powers of 1024 like PM2's `max_memory_restart` and systemd's
 * `MemoryMax=`; a bare number is refused for the same reason.
 */

export type UnitResult =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string; readonly hint: string };

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
/** Shared with the JSON Schema so the editor and the loader agree. */
export const DURATION_PATTERN = "^(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h))+)$";

export function parseDuration(raw: string | number): UnitResult {
  if (raw === 0 || raw === "0") return { ok: true, value: 0 };
  if (typeof raw === "number") {
    return {
      ok: false,
      message: `the duration ${raw} has no unit`,
      hint: `write \`${raw}ms\` or \`${raw}s\``,
    };
  }
  const text = raw.trim();
  let total = 0;
  let at = 0;
  DURATION_PART.lastIndex = 0;
  while (at < text.length) {
    DURATION_PART.lastIndex = at;
    const match = DURATION_PART.exec(text);
    if (!match) break;
    total += Number(match[1]) * (DURATION_UNITS[match[2] ?? ""] ?? Number.NaN);
    at = DURATION_PART.lastIndex;
  }
  if (at === 0 || at < text.length || !Number.isFinite(total)) {
    const bare = /^\d+(\.\d+)?$/.test(text);
    return {
      ok: false,
      message: bare ? `the duration "${raw}" has no unit` : `"${raw}" is not a duration`,
      hint: bare ? `write \`${text}ms\` or \`${text}s\`` : "write a number and a unit: `250ms`, `30s`, `5m`, `1h` (or `1m30s`)",
    };
  }
  return { ok: true, value: Math.round(total) };
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};
const SIZE = /^(\d+(?:\.\d+)?) ?([kmgt]?)(i?b)?$/i;
export const SIZE_PATTERN = "^[0-9]+(\\.[0-9]+)? ?([KkMmGgTt]([Ii]?[Bb])?|[Bb])$";

export function parseSize(raw: string | number): UnitResult {
  const text = String(raw).trim();
  const match = SIZE.exec(text);
  const prefix = match?.[2] ?? "";
  // `512` alone, or `512i`: a number without a unit we can trust.
  if (!match || (prefix === "" && match[3] === undefined) || (prefix === "" && /^i/i.test(match[3] ?? ""))) {
    const bare = /^\d+(\.\d+)?$/.test(text);
    return {
      ok: false,
      message: bare ? `the size "${text}" has no unit` : `"${text}" is not a size`,
      hint: bare ? `write \`${text}MB\` (or KB, GB; B for bytes)` : "write a number and a unit: `100KB`, `512MB`, `1GB`",
    };
  }
  const bytes = Math.round(Number(match[1]) * (SIZE_UNITS[(prefix || "b").toLowerCase()] ?? Number.NaN));
  if (!Number.isFinite(bytes) || bytes <= 0) {
    return { ok: false, message: `the size "${text}" is not positive`, hint: "write a size such as `512MB`" };
  }
  return { ok: true, value: bytes };
}
