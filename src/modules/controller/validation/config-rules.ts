import { invalidInput } from "../../../core/errors";
import type { ConfigValues } from "../../../entities";

/** DESIGN.md "Names": config keys. */
export const CONFIG_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_CONFIG_KEYS = 500;
export const MAX_KEY_LENGTH = 256;
export const MAX_VALUE_BYTES = 64 * 1024;
export const MAX_CONFIG_BYTES = 512 * 1024;

export interface ConfigChange {
  readonly key: string;
  /** null unsets the key. */
  readonly value: string | null;
}

export interface ConfigDiff {
  readonly values: ConfigValues;
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
}

export function validateConfigKey(key: string, field: string): void {
  if (key.length === 0) throw invalidInput(field, "a config key must not be empty");
  if (key.length > MAX_KEY_LENGTH) throw invalidInput(field, `a config key is at most ${MAX_KEY_LENGTH} characters`);
  if (!CONFIG_KEY_RE.test(key)) {
    throw invalidInput(field, "a config key is letters, digits and '_', and does not start with a digit");
  }
  if (key.startsWith("DEIS_")) throw invalidInput(field, "keys starting with DEIS_ are set by the platform");
}

function validateValue(key: string, value: string): void {
  const field = `values.${key}`;
  if (Buffer.byteLength(value, "utf8") > MAX_VALUE_BYTES) {
    throw invalidInput(field, `a value is at most ${MAX_VALUE_BYTES / 1024} KiB`);
  }
  if (key === "PORT" && !(/^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 65535)) {
    throw invalidInput(field, "PORT must be a whole number from 1 to 65535");
  }
}

/** Applies a set-and-unset change to the current values; throws on the first bad entry. */
export function applyConfigChanges(current: ConfigValues, changes: readonly ConfigChange[]): ConfigDiff {
  if (changes.length === 0) throw invalidInput("values", "give at least one KEY=value to set or KEY to unset");
  if (changes.length > MAX_CONFIG_KEYS) throw invalidInput("values", `at most ${MAX_CONFIG_KEYS} keys per app`);
  const seen = new Set<string>();
  const values: ConfigValues = { ...current };
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [index, { key, value }] of changes.entries()) {
    validateConfigKey(key, `values[${index}].key`);
    if (seen.has(key)) throw invalidInput(`values.${key}`, "a key may appear only once per change");
    seen.add(key);
    if (value === null) {
      if (!(key in values)) throw invalidInput(`values.${key}`, "cannot unset a key that is not set");
      delete values[key];
      removed.push(key);
      continue;
    }
    validateValue(key, value);
    if (!(key in values)) added.push(key);
    else if (values[key] !== value) changed.push(key);
    values[key] = value;
  }
  if (Object.keys(values).length > MAX_CONFIG_KEYS) {
    throw invalidInput("values", `an app has at most ${MAX_CONFIG_KEYS} config keys`);
  }
  const total = Object.entries(values).reduce((sum, [k, v]) => sum + k.length + Buffer.byteLength(v, "utf8"), 0);
  if (total > MAX_CONFIG_BYTES) throw invalidInput("values", `an app's config is at most ${MAX_CONFIG_BYTES / 1024} KiB in all`);
  return { values, added, changed, removed };
}
