import type { MiddlewareFn } from "type-graphql";
import { invalidInput } from "../../core/errors";

/** The path of the first string holding a NUL character, e.g. `tags[0].value`, or null. */
function findNul(value: unknown, path: string): string | null {
  if (typeof value === "string") return value.includes("\u0000") ? path : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findNul(item, `${path}[${index}]`);
      if (found) return found;
    }
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const found = findNul(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return null;
}

/**
 * PostgreSQL text and jsonb cannot hold NUL, so no argument may: refused once here, for every
 * operation, as bad input naming the argument, before any service sees it.
 */
export const rejectNulCharacters: MiddlewareFn = ({ args }, next) => {
  const field = findNul(args, "");
  if (field) throw invalidInput(field, "must not contain NUL characters");
  return next();
};
