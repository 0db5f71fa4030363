import { DomainError } from "../../../src/core/errors";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type SortKey, decodeCursor, encodeCursor, pageSize } from "../../../src/modules/controller/pagination";

interface Row {
  name: string;
  version: number;
  createdAt: Date;
  id: string;
}

const keys: SortKey<Row>[] = [
  { column: "r.name", type: "text", value: (r) => r.name },
  { column: "r.version", type: "int", value: (r) => r.version },
  { column: "r.createdAt", type: "timestamp", value: (r) => r.createdAt },
  { column: "r.id", type: "uuid", value: (r) => r.id },
];

const row: Row = { name: "shop", version: 7, createdAt: new Date("2026-01-02T03:04:05.678Z"), id: "0b7e3a1c-5d2f-4e8a-9c1b-2a3d4e5f6a7b" };

function refusedAfter(cursor: string): DomainError {
  let error: unknown;
  try {
    decodeCursor(cursor, keys);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe("INVALID_INPUT");
  expect((error as DomainError).details.field).toBe("after");
  return error as DomainError;
}

describe("pagination cursors", () => {
  test("a cursor gives back the row's sort values, dates as ISO strings", () => {
    const cursor = encodeCursor(keys.map((k) => k.value(row)));
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, keys)).toEqual(["shop", 7, "2026-01-02T03:04:05.678Z", row.id]);
  });

  const encode = (values: unknown) => Buffer.from(JSON.stringify(values)).toString("base64url");

  test.each([
    ["not base64 JSON", "%%%"],
    ["JSON that is not a list", encode({ name: "shop" })],
    ["too few values", encode(["shop", 7, "2026-01-02T03:04:05.678Z"])],
    ["too many values", encode(["shop", 7, "2026-01-02T03:04:05.678Z", row.id, "x"])],
    ["a number where text goes", encode([1, 7, "2026-01-02T03:04:05.678Z", row.id])],
    ["text over 1024 characters", encode(["a".repeat(1025), 7, "2026-01-02T03:04:05.678Z", row.id])],
    ["a fraction where an integer goes", encode(["shop", 7.5, "2026-01-02T03:04:05.678Z", row.id])],
    ["an integer past 32 bits", encode(["shop", 2 ** 31, "2026-01-02T03:04:05.678Z", row.id])],
    ["a timestamp that is not ISO UTC", encode(["shop", 7, "2026-01-02 03:04:05", row.id])],
    ["an impossible date", encode(["shop", 7, "2026-13-45T03:04:05.678Z", row.id])],
    ["SQL where a uuid goes", encode(["shop", 7, "2026-01-02T03:04:05.678Z", "' OR 1=1 --"])],
  ])("refuses %s as bad `after` input", (_, cursor) => {
    expect(refusedAfter(cursor).message).toMatch(/not a cursor this list gave out/);
  });
});

describe("page sizes", () => {
  test("default and bounds", () => {
    expect(pageSize(undefined)).toBe(DEFAULT_PAGE_SIZE);
    expect(pageSize(null)).toBe(DEFAULT_PAGE_SIZE);
    expect(pageSize(1)).toBe(1);
    expect(pageSize(MAX_PAGE_SIZE)).toBe(MAX_PAGE_SIZE);
  });

  test.each([0, -1, MAX_PAGE_SIZE + 1, 2.5, Number.NaN])("refuses first=%p naming the field and rule", (first) => {
    expect(() => pageSize(first)).toThrow(expect.objectContaining({ code: "INVALID_INPUT", details: { field: "first", rule: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` } }));
  });
});
