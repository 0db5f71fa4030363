import { appendFileSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../../src/core/logger";
import { RequestLogTail } from "../../../src/modules/proxy/nginx/request-log-tail";

/** Polls until `condition` holds (an event-driven wait: the tail reads on its own timer). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 2_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("following nginx's request-line file", () => {
  const dir = mkdtempSync(join(tmpdir(), "request-log-tail-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("complete lines in order, a line split across writes once whole, the file 0600", async () => {
    const file = join(dir, "lines.log");
    const lines: string[] = [];
    const tail = new RequestLogTail(file, (line) => lines.push(line), () => undefined, createLogger("silent"));
    await tail.start();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    appendFileSync(file, "one\ntwo\nthr");
    await until(() => lines.length === 2, "two lines");
    appendFileSync(file, "ee\n");
    await until(() => lines.length === 3, "the split line");
    appendFileSync(file, "four\n");
    await tail.close(); // reads what is left
    expect(lines).toEqual(["one", "two", "three", "four"]);
  });

  test("past its size the file is moved aside, nginx told to reopen, and both files read to the end", async () => {
    const file = join(dir, "rotated.log");
    const lines: string[] = [];
    let reopened = 0;
    // Plays nginx: on the reopen signal, later lines go to a new file at the same path.
    const reopen = () => {
      reopened += 1;
      appendFileSync(`${file}.old`, "late-in-old\n");
      appendFileSync(file, "first-in-new\n");
    };
    const tail = new RequestLogTail(file, (line) => lines.push(line), reopen, createLogger("silent"), 64);
    await tail.start();
    appendFileSync(file, `${"x".repeat(70)}\n`);
    await until(() => reopened === 1, "the reopen");
    await until(() => lines.includes("first-in-new") && !existsSync(`${file}.old`), "the switch to the new file");
    appendFileSync(file, "second-in-new\n");
    await tail.close();
    expect(lines).toEqual(["x".repeat(70), "late-in-old", "first-in-new", "second-in-new"]);
  });
});
