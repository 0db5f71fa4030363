import { invalidInput } from "../../../core/errors";

/**
 * A five-field cron schedule (`minute hour day-of-month month day-of-week`), read in UTC, with
 * Vixie cron's rules: lists (`1,15`), ranges (`1-5`), steps (`*\/5`, `10-40/10`, `5/15` = 5-59/15),
 * month and weekday names (`JAN`, `MON`), 0 or 7 for Sunday, and the shorthands @hourly, @daily
 * (@midnight), @weekly, @monthly, @yearly (@annually). When both day-of-month and day-of-week are
 * restricted (neither starts with `*`), a day matches when EITHER does, as in Vixie cron.
 */
export interface CronSchedule {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday ... 6 = Saturday (7 is read as 0). */
  readonly daysOfWeek: ReadonlySet<number>;
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly FieldRule[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { name: "day-of-week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

const SHORTHANDS: Readonly<Record<string, string>> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
};

const SYNTAX = `five fields: minute hour day-of-month month day-of-week, e.g. "*/5 * * * *" (or @hourly, @daily, @weekly, @monthly, @yearly)`;

function fail(rule: string): never {
  throw invalidInput("schedule", rule);
}

function value(text: string, field: FieldRule): number {
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  // Names count from the field's first value (JAN = 1, SUN = 0).
  if (index >= 0) return index + (field.name === "month" ? 1 : 0);
  if (!/^\d{1,2}$/.test(text)) {
    fail(`${field.name} field: "${text}" is not a number${field.names ? ` or a name (${field.names[0]}-${field.names[field.names.length - 1]})` : ""}`);
  }
  const number = Number(text);
  if (number < field.min || number > field.max) fail(`${field.name} field: ${number} is outside ${field.min}-${field.max}`);
  return number;
}

function parseField(text: string, field: FieldRule): Set<number> {
  const found = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") fail(`${field.name} field: an empty item in "${text}"`);
    const [range, stepText, extra] = item.split("/");
    if (extra !== undefined) fail(`${field.name} field: "${item}" has more than one step`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d{1,2}$/.test(stepText) || Number(stepText) < 1) fail(`${field.name} field: the step in "${item}" must be a whole number of 1 or more`);
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (range === "*") {
      [low, high] = [field.min, field.max];
    } else if (range.includes("-")) {
      const [from, to, more] = range.split("-");
      if (more !== undefined || from === "" || to === "") fail(`${field.name} field: "${range}" is not a range like 1-5`);
      [low, high] = [value(from, field), value(to, field)];
      if (low > high) fail(`${field.name} field: the range ${range} runs backwards`);
    } else {
      low = value(range, field);
      // `5/15` is Vixie's extension for 5-max/15; a bare value is just itself.
      high = stepText === undefined ? low : field.max;
    }
    for (let n = low; n <= high; n += step) found.add(field.name === "day-of-week" && n === 7 ? 0 : n);
  }
  return found;
}

/** Reads a schedule; bad input throws INVALID_INPUT naming `schedule` and the rule it broke. */
export function parseSchedule(input: string): CronSchedule {
  const trimmed = input.trim();
  if (trimmed === "") fail(`must not be empty: ${SYNTAX}`);
  if (trimmed.length > 200) fail("must be at most 200 characters");
  if (trimmed.startsWith("@")) {
    const expanded = SHORTHANDS[trimmed.toLowerCase()];
    if (!expanded) fail(`${trimmed} is not a shorthand this platform knows (${Object.keys(SHORTHANDS).join(", ")}; @reboot is not supported)`);
    return parseSchedule(expanded);
  }
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5) fail(`${SYNTAX}; got ${parts.length} field${parts.length === 1 ? "" : "s"}`);
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = parts.map((part, i) => parseField(part, FIELDS[i]));
  return {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    domRestricted: !parts[2].startsWith("*"),
    dowRestricted: !parts[4].startsWith("*"),
  };
}

function dayMatches(schedule: CronSchedule, date: Date): boolean {
  if (!schedule.months.has(date.getUTCMonth() + 1)) return false;
  const dom = schedule.daysOfMonth.has(date.getUTCDate());
  const dow = schedule.daysOfWeek.has(date.getUTCDay());
  if (schedule.domRestricted && schedule.dowRestricted) return dom || dow;
  return dom && dow;
}

/** Whether the schedule fires in the minute `at` falls in (UTC). */
export function matches(schedule: CronSchedule, at: Date): boolean {
  return schedule.minutes.has(at.getUTCMinutes()) && schedule.hours.has(at.getUTCHours()) && dayMatches(schedule, at);
}

/** The first minute after `after` in which the schedule fires, or null if none within 5 years (e.g. 30 FEB). */
export function nextRun(schedule: CronSchedule, after: Date): Date | null {
  const start = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  const hours = [...schedule.hours].sort((a, b) => a - b);
  const minutes = [...schedule.minutes].sort((a, b) => a - b);
  for (let i = 0; i < 366 * 5; i++, day.setUTCDate(day.getUTCDate() + 1)) {
    if (!dayMatches(schedule, day)) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        const candidate = new Date(day.getTime() + hour * 3_600_000 + minute * 60_000);
        if (candidate >= start) return candidate;
      }
    }
  }
  return null;
}
