import { humanLine } from "../../../src/core/logger";

/** What a person at a terminal reads instead of pino's JSON (npm start on a TTY). */
describe("human log lines", () => {
  test("time, level and message, then the other fields as key=value; pino's plumbing left out", () => {
    const time = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const line = JSON.stringify({ level: 30, time, pid: 1, hostname: "h", name: "deis", msg: "release deployed", app: "shop", version: 3, note: "two words" });
    expect(humanLine(line)).toBe('03:04:05.678 INFO  release deployed app=shop version=3 note="two words"\n');
  });

  test("an error says its message; at error level its stack follows, indented", () => {
    const err = { type: "Error", message: "boom", stack: "Error: boom\n    at here" };
    expect(humanLine(JSON.stringify({ level: 40, time: 0, msg: "retrying", err }))).toBe('00:00:00.000 WARN  retrying err="boom"\n');
    expect(humanLine(JSON.stringify({ level: 50, time: 0, msg: "deploy failed", err }))).toBe('00:00:00.000 ERROR deploy failed err="boom"\n    Error: boom\n        at here\n');
  });

  test("a line that is not JSON passes through as it is", () => {
    expect(humanLine("plain text")).toBe("plain text\n");
  });
});
