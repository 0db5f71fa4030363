import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { invalidInput } from "../../core/errors";

export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

/** One page of a list, in a stable order; `totalCount` runs its query only when asked. */
export interface Page<T> {
  readonly nodes: T[];
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
  totalCount(): Promise<number>;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** A column the list is ordered by; the last one must be unique so the order is total. */
export interface SortKey<T> {
  readonly column: string;
  /** What a cursor must hold for this column, checked before it reaches the database. */
  readonly type: "text" | "int" | "timestamp" | "uuid";
  readonly value: (row: T) => string | number | Date;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fits(type: SortKey<never>["type"], value: unknown): boolean {
  switch (type) {
    case "text":
      return typeof value === "string" && value.length <= 1024;
    case "int":
      return Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 - 1;
    case "timestamp":
      return typeof value === "string" && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value) && !Number.isNaN(Date.parse(value));
    case "uuid":
      return typeof value === "string" && UUID_RE.test(value);
  }
}

/** The page size asked for, or the default; refuses what is not 1..MAX_PAGE_SIZE. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw invalidInput("first", `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  return first;
}

/** An opaque cursor holding the sort-key values of a row (dates as ISO strings). */
export function encodeCursor(values: (string | number | Date)[]): string {
  return Buffer.from(JSON.stringify(values.map((v) => (v instanceof Date ? v.toISOString() : v)))).toString("base64url");
}

/** The values a cursor holds, each checked against its sort key's type; refuses anything else as bad `after` input. */
export function decodeCursor<T>(cursor: string, keys: readonly SortKey<T>[]): (string | number)[] {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(values) && values.length === keys.length && values.every((v, i) => fits(keys[i].type, v))) {
      return values as (string | number)[];
    }
  } catch {
    // fall through to the error below
  }
  throw invalidInput("after", "is not a cursor this list gave out (use pageInfo.endCursor)");
}

/**
 * Keyset pagination: fetches `first + 1` rows after the cursor in the given order. The count
 * query is built from the same filter but runs only when `totalCount` is called.
 */
export async function paginate<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  keys: readonly SortKey<T>[],
  direction: "ASC" | "DESC",
  args: PageArgs,
): Promise<Page<T>> {
  const size = pageSize(args.first);
  const counter = query.clone();
  if (args.after) {
    const values = decodeCursor(args.after, keys);
    const columns = keys.map((k) => k.column).join(", ");
    const params = Object.fromEntries(values.map((v, i) => [`cursor${i}`, v]));
    const placeholders = values.map((_, i) => `:cursor${i}`).join(", ");
    query.andWhere(`(${columns}) ${direction === "ASC" ? ">" : "<"} (${placeholders})`, params);
  }
  for (const key of keys) query.addOrderBy(key.column, direction);
  // LIMIT itself: `take` would turn a query with a join into two (ids first). Joins here must be
  // to-one (a to-many join's rows would count against the page).
  const rows = await query.limit(size + 1).getMany();
  const nodes = rows.slice(0, size);
  const last = nodes[nodes.length - 1];
  return {
    nodes,
    hasNextPage: rows.length > size,
    endCursor: last ? encodeCursor(keys.map((k) => k.value(last))) : null,
    totalCount: () => counter.getCount(),
  };
}
