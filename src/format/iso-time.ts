/**
 * A time as `Date.prototype.toISOString` writes it (`2026-12-04T18:56:07.123Z`), by arithmetic.
 *
 * Why not `new Date().toISOString()`: in Node 20's V8 (11.3) that call works out the local time
 * zone first, though it prints UTC, and its first call in a process sets up ICU's time-zone
 * data for that — measured: 4.9 ms, and ~1 MiB of the node binary's ICU code and data resident
 * for good, in a process that otherwise never touches ICU. The supervisor stamps every log
 * line, so it would pay that at its first line; here it pays nothing.
 *
 * Exact for every time from year 0 to 9999, the range where `toISOString` writes four-digit
 * years; outside it (or for a time that is not finite) this defers to `toISOString` itself.
 */

const DAY_MS = 86_400_000;
/** From 1970-01-01 back to 0000-03-01, the start of the proleptic Gregorian "March year" era. */
const EPOCH_SHIFT_DAYS = 719_468;
const FIRST_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const END_MS = 253_402_300_800_000; // 10000-01-01T00:00:00.000Z

export function isoTime(ms: number = Date.now()): string {
  if (!(ms >= FIRST_MS && ms < END_MS)) return new Date(ms).toISOString();
  const whole = Math.trunc(ms); // as Date does (TimeClip)
  const days = Math.floor(whole / DAY_MS);
  let rest = whole - days * DAY_MS;
  // Days to a civil date (the well-known era arithmetic: 400-year eras of 146 097 days, years
  // starting on 1 March so the leap day falls last).
  const z = days + EPOCH_SHIFT_DAYS;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}Z`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}
