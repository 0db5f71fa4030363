import pg from "pg";

/** PostgreSQL's type id of `timestamp with time zone`, the type of every date the platform stores. */
const TIMESTAMPTZ = 1184;
const generic = pg.types.getTypeParser(TIMESTAMPTZ, "text") as (text: string) => Date | number;

/** The number written by `length` ASCII digits at `at`, or -1 when one of them is not a digit. */
function digits(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A `timestamptz` as PostgreSQL writes it (DateStyle ISO), e.g. "2026-12-01 05:07:00.123456+00" or
 * "... +05:30", read by position. The generic parser (pg-types') runs three regular expressions per
 * value, the largest cost of reading a page of rows; anything of another shape (BC, infinity,
 * years outside 100-9999, offsets with seconds) still goes to it, so both give the same Date.
 */
export function parseTimestamptz(text: string): Date | number {
  const n = text.length;
  if (n < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) {
    return generic(text);
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return generic(text);
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === 46) {
    // A fraction of 1-6 digits; Date keeps whole milliseconds (truncated, as the generic parser's Date does).
    i += 1;
    let scale = 100;
    const start = i;
    while (i < n && i - start < 6) {
      const digit = text.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) break;
      ms += digit * scale;
      scale /= 10;
      i += 1;
    }
    if (i === start) return generic(text);
    ms = Math.trunc(ms);
  }
  const sign = text.charCodeAt(i);
  if ((sign !== 43 && sign !== 45) || (n !== i + 3 && n !== i + 6)) return generic(text);
  const offsetHours = digits(text, i + 1, 2);
  const offsetMinutes = n === i + 6 ? (text.charCodeAt(i + 3) === 58 ? digits(text, i + 4, 2) : -1) : 0;
  if (offsetHours < 0 || offsetMinutes < 0) return generic(text);
  const offsetMs = (sign === 45 ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMs);
}

/** For a pg pool's `types`: the platform's timestamptz reader, pg-types' for everything else. */
export const PG_TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === TIMESTAMPTZ && format !== "binary") return parseTimestamptz;
    return pg.types.getTypeParser(oid, format);
  },
};
