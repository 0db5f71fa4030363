import pg from "pg";
import { PG_TYPES, parseTimestamptz } from "../../../src/modules/database/timestamps";

const generic = pg.types.getTypeParser(1184, "text") as (text: string) => Date | number;
const time = (value: Date | number) => (value instanceof Date ? value.getTime() : value);

/** A deterministic spread of values: every field's range, fractions of each length, offsets. */
function* samples(): Generator<string> {
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const pad = (v: number, width: number) => String(v).padStart(width, "0");
  const offsets = ["+00", "-00", "+05:30", "-08", "+14", "-12", "+05:45", "-03:30", "+01"];
  for (let i = 0; i < 5_000; i++) {
    const date = `${pad(100 + next(9_900), 4)}-${pad(1 + next(12), 2)}-${pad(1 + next(28), 2)}`;
    const clock = `${pad(next(24), 2)}:${pad(next(60), 2)}:${pad(next(60), 2)}`;
    const places = next(7);
    const fraction = places === 0 ? "" : `.${pad(next(10 ** places), places)}`;
    yield `${date} ${clock}${fraction}${offsets[next(offsets.length)]}`;
  }
}

describe("parseTimestamptz: PostgreSQL's timestamptz text read by position", () => {
  test("gives the generic parser's Date for every value of the usual shape", () => {
    let compared = 0;
    for (const text of samples()) {
      expect({ text, time: time(parseTimestamptz(text)) }).toEqual({ text, time: time(generic(text)) });
      compared += 1;
    }
    expect(compared).toBe(5_000);
  });

  test.each([
    "2026-12-01 05:07:00+00",
    "2026-12-01 05:07:00.1+00",
    "2026-12-01 05:07:00.999999-07",
    "2024-02-29 23:59:59.5+05:30",
    // Shapes the fast path leaves to the generic parser:
    "infinity",
    "-infinity",
    "0099-01-01 00:00:00+00",
    "0001-01-01 00:00:00+00 BC",
    "10000-01-01 00:00:00+00",
    "1900-01-01 00:00:00+00:19:32",
    "2026-12-01 05:07:00.1234567+00",
    "2026-12-01 05:07:00.+00",
    "2026-12-01T05:07:00Z",
  ])("%s reads as the generic parser reads it", (text) => {
    expect(time(parseTimestamptz(text))).toEqual(time(generic(text)));
  });

  test("only timestamptz in text format is read by it; every other type keeps pg's parser", () => {
    expect(PG_TYPES.getTypeParser(1184, "text")).toBe(parseTimestamptz);
    expect(PG_TYPES.getTypeParser(1184)).toBe(parseTimestamptz);
    expect(PG_TYPES.getTypeParser(1184, "binary")).toBe(pg.types.getTypeParser(1184, "binary"));
    expect(PG_TYPES.getTypeParser(3802, "text")).toBe(pg.types.getTypeParser(3802, "text"));
    expect(PG_TYPES.getTypeParser(1114, "text")).toBe(pg.types.getTypeParser(1114, "text"));
  });
});
