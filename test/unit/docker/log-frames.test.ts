import { LogReplayFilter } from "../../../src/modules/docker/log-frames";

const frame = (at: string, text: string) => Buffer.from(`${at} ${text}\n`);
const passed = (filter: LogReplayFilter, frames: Buffer[]) => frames.map((f) => filter.pass(f)?.toString() ?? null);

describe("LogReplayFilter: each log entry once, as Docker sends them again after a rotation", () => {
  test("strips the timestamp; entries in time order pass", () => {
    const filter = new LogReplayFilter();
    expect(passed(filter, [frame("2026-12-01T03:00:00.1Z", "a"), frame("2026-12-01T03:00:00.25Z", "b"), frame("2026-12-01T03:00:01Z", "c")])).toEqual(["a\n", "b\n", "c\n"]);
  });

  test("fractions of different lengths compare as times (.1 is after .09)", () => {
    const filter = new LogReplayFilter();
    expect(passed(filter, [frame("2026-12-01T03:00:00.09Z", "a"), frame("2026-12-01T03:00:00.1Z", "b")])).toEqual(["a\n", "b\n"]);
  });

  test("a replay from an older entry is dropped up to where it left off, however many entries share the newest time", () => {
    const filter = new LogReplayFilter();
    const t1 = "2026-12-01T03:00:00.000000001Z";
    const t2 = "2026-12-01T03:00:00.000000002Z";
    const first = [frame(t1, "a"), frame(t2, "b"), frame(t2, "c")];
    const replay = [frame(t1, "a"), frame(t2, "b"), frame(t2, "c"), frame(t2, "d"), frame("2026-12-01T03:00:00.000000003Z", "e")];
    expect(passed(filter, first)).toEqual(["a\n", "b\n", "c\n"]);
    expect(passed(filter, replay)).toEqual([null, null, null, "d\n", "e\n"]);
  });

  test("entries sharing a time without a replay all pass; a frame without a timestamp passes whole", () => {
    const filter = new LogReplayFilter();
    const t = "2026-12-01T03:00:00.5Z";
    expect(passed(filter, [frame(t, "a"), frame(t, "b"), frame(t, "c"), Buffer.from("plain\n")])).toEqual(["a\n", "b\n", "c\n", "plain\n"]);
  });

  test("a replay that starts at the newest entry itself drops that entry once", () => {
    const filter = new LogReplayFilter();
    const t1 = "2026-12-01T03:00:00.000000001Z";
    expect(passed(filter, [frame(t1, "a"), frame(t1, "a"), frame("2026-12-01T03:00:00.000000002Z", "b")])).toEqual(["a\n", null, "b\n"]);
  });

  test("the pieces of one long line share a timestamp and may be alike: all pass", () => {
    const filter = new LogReplayFilter();
    const t = "2026-12-01T03:00:00.000000001Z";
    const piece = Buffer.from(`${t} ${"x".repeat(16)}`);
    expect(passed(filter, [piece, piece, piece, frame(t, "xx")])).toEqual(["x".repeat(16), "x".repeat(16), "x".repeat(16), "xx\n"]);
  });
});
