import { DomainError } from "../../../src/core/errors";
import { matches, nextRun, parseSchedule } from "../../../src/modules/controller/cron/schedule";

const at = (iso: string) => new Date(iso);
const sorted = (set: ReadonlySet<number>) => [...set].sort((a, b) => a - b);

function refusal(schedule: string): DomainError {
  try {
    parseSchedule(schedule);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`"${schedule}" was accepted`);
}

describe("cron schedule: five fields, UTC, Vixie rules", () => {
  test("lists, ranges, steps and names", () => {
    const s = parseSchedule("*/15 9-17/4 1,15 JAN-mar mon-FRI");
    expect(sorted(s.minutes)).toEqual([0, 15, 30, 45]);
    expect(sorted(s.hours)).toEqual([9, 13, 17]);
    expect(sorted(s.daysOfMonth)).toEqual([1, 15]);
    expect(sorted(s.months)).toEqual([1, 2, 3]);
    expect(sorted(s.daysOfWeek)).toEqual([1, 2, 3, 4, 5]);
    expect(sorted(parseSchedule("5/20 * * * *").minutes)).toEqual([5, 25, 45]);
    expect(sorted(parseSchedule("0 0 * * 7").daysOfWeek)).toEqual([0]);
    expect(sorted(parseSchedule("0 0 * * 5-7").daysOfWeek)).toEqual([0, 5, 6]);
  });

  test("matches the minute a date falls in", () => {
    const every5 = parseSchedule("*/5 * * * *");
    expect(matches(every5, at("2026-03-02T10:05:59Z"))).toBe(true);
    expect(matches(every5, at("2026-03-02T10:06:00Z"))).toBe(false);
    const weekdayMornings = parseSchedule("30 8 * * MON-FRI");
    expect(matches(weekdayMornings, at("2026-03-02T08:30:00Z"))).toBe(true); // a Monday
    expect(matches(weekdayMornings, at("2026-03-01T08:30:00Z"))).toBe(false); // a Sunday
  });

  test("day-of-month and day-of-week both restricted: either matches (Vixie)", () => {
    const s = parseSchedule("0 0 13 * FRI");
    expect(matches(s, at("2026-03-13T00:00:00Z"))).toBe(true); // the 13th, a Friday
    expect(matches(s, at("2026-04-13T00:00:00Z"))).toBe(true); // the 13th, a Monday
    expect(matches(s, at("2026-04-17T00:00:00Z"))).toBe(true); // a Friday, the 17th
    expect(matches(s, at("2026-04-14T00:00:00Z"))).toBe(false);
    // Only one restricted (a `*` first): both must match.
    const starDow = parseSchedule("0 0 13 * */1");
    expect(matches(starDow, at("2026-04-14T00:00:00Z"))).toBe(false);
    expect(matches(starDow, at("2026-04-13T00:00:00Z"))).toBe(true);
  });

  test("shorthands", () => {
    expect(matches(parseSchedule("@daily"), at("2026-05-05T00:00:30Z"))).toBe(true);
    expect(matches(parseSchedule("@hourly"), at("2026-05-05T07:00:00Z"))).toBe(true);
    expect(matches(parseSchedule("@hourly"), at("2026-05-05T07:01:00Z"))).toBe(false);
  });

  test("the next run", () => {
    expect(nextRun(parseSchedule("*/5 * * * *"), at("2026-03-02T10:05:00Z"))).toEqual(at("2026-03-02T10:10:00Z"));
    expect(nextRun(parseSchedule("0 0 1 1 *"), at("2026-03-02T10:05:00Z"))).toEqual(at("2027-01-01T00:00:00Z"));
    expect(nextRun(parseSchedule("0 12 29 2 *"), at("2026-03-01T00:00:00Z"))).toEqual(at("2028-02-29T12:00:00Z"));
    expect(nextRun(parseSchedule("0 0 30 2 *"), at("2026-03-01T00:00:00Z"))).toBeNull();
  });

  test.each([
    ["", /must not be empty/],
    ["* * * *", /five fields.*got 4 fields/],
    ["* * * * * *", /got 6 fields/],
    ["60 * * * *", /minute field: 60 is outside 0-59/],
    ["* 24 * * *", /hour field: 24 is outside 0-23/],
    ["* * 0 * *", /day-of-month field: 0 is outside 1-31/],
    ["* * * 13 *", /month field: 13 is outside 1-12/],
    ["* * * * 8", /day-of-week field: 8 is outside 0-7/],
    ["*/0 * * * *", /minute field: the step in "\*\/0" must be a whole number of 1 or more/],
    ["5-1 * * * *", /minute field: the range 5-1 runs backwards/],
    ["1,,2 * * * *", /minute field: an empty item/],
    ["* * * FOO *", /month field: "FOO" is not a number or a name \(JAN-DEC\)/],
    ["a * * * *", /minute field: "a" is not a number/],
    ["@reboot", /@reboot is not supported/],
  ])("refuses %j naming schedule and the rule", (schedule, rule) => {
    const error = refusal(schedule);
    expect(error.code).toBe("INVALID_INPUT");
    expect(error.details.field).toBe("schedule");
    expect(error.details.rule).toMatch(rule);
  });
});
