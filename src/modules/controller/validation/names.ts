import { randomInt } from "node:crypto";
import { invalidInput } from "../../../core/errors";

/** DESIGN.md "Names": lowercase letters, digits and hyphens; a letter first; no hyphen last. */
export const APP_NAME_RE = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Names the platform itself answers to, or that would confuse people. */
export const RESERVED_APP_NAMES: ReadonlySet<string> = new Set([
  "deis",
  "controller",
  "builder",
  "router",
  "registry",
  "logger",
  "database",
  "api",
  "www",
  "admin",
]);

export function validateAppName(name: string, field = "name"): string {
  if (name.length === 0) throw invalidInput(field, "must not be empty");
  if (name.length > 63) throw invalidInput(field, `must be at most 63 characters (got ${name.length})`);
  if (!APP_NAME_RE.test(name)) {
    throw invalidInput(
      field,
      "must be lowercase letters, digits and hyphens, start with a letter and not end with a hyphen",
    );
  }
  if (RESERVED_APP_NAMES.has(name)) throw invalidInput(field, `"${name}" is reserved by the platform`);
  return name;
}

/** Process types as a Procfile names them: web, worker, clock, ... */
export const PROCESS_TYPE_RE = /^[a-z][a-z0-9_-]{0,29}$/;

export function validateProcessType(type: string, field: string): string {
  if (!PROCESS_TYPE_RE.test(type)) {
    throw invalidInput(field, "a process type is 1-30 lowercase letters, digits, '-' or '_', starting with a letter");
  }
  return type;
}

/** Usernames: lowercase, so "Alice" and "alice" are one person. */
export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function normalizeUsername(raw: string, field = "username"): string {
  const username = raw.trim().toLowerCase();
  if (username.length === 0) throw invalidInput(field, "must not be empty");
  if (username.length > 64) throw invalidInput(field, "must be at most 64 characters");
  if (!USERNAME_RE.test(username)) {
    throw invalidInput(field, "must be letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
  return username;
}

export function validatePassword(password: string, field = "password"): string {
  if (password.length < 8) throw invalidInput(field, "must be at least 8 characters");
  if (password.length > 1024) throw invalidInput(field, "must be at most 1024 characters");
  if (password.trim().length === 0) throw invalidInput(field, "must not be only whitespace");
  return password;
}

/** No spaces or control characters (PostgreSQL text cannot hold NUL). */
const EMAIL_RE = /^[^\s@\u0000-\u001f\u007f]+@[^\s@\u0000-\u001f\u007f]+\.[^\s@\u0000-\u001f\u007f]+$/;

export function validateEmail(email: string | null | undefined, field = "email"): string | null {
  if (email === null || email === undefined || email.trim() === "") return null;
  const trimmed = email.trim();
  if (trimmed.length > 254 || !EMAIL_RE.test(trimmed)) throw invalidInput(field, "must be an email address");
  return trimmed;
}

const ADJECTIVES = [
  "amber", "bold", "brave", "calm", "clever", "crisp", "dapper", "eager", "fancy", "gentle",
  "glossy", "happy", "hidden", "jolly", "keen", "lively", "lucky", "mellow", "nimble", "noble",
  "proud", "quiet", "rapid", "rustic", "shiny", "silent", "sleek", "snowy", "steady", "sunny",
  "swift", "tidy", "vivid", "warm", "wild", "witty", "young", "zesty",
];
const NOUNS = [
  "acorn", "anchor", "badger", "beacon", "canyon", "cedar", "comet", "coral", "delta", "ember",
  "falcon", "fjord", "garden", "glacier", "harbor", "heron", "island", "lagoon", "lantern", "maple",
  "meadow", "meteor", "otter", "pebble", "pine", "prairie", "quartz", "raven", "river", "summit",
  "thicket", "tundra", "valley", "walrus", "willow", "yak", "zephyr",
];

/** A random adjective-noun name, like Deis and Heroku give when none is asked for. */
export function randomAppName(withSuffix = false): string {
  const base = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}`;
  return withSuffix ? `${base}-${randomInt(1000, 10000)}` : base;
}
