import { randomAppName, validateAppName } from "../../../src/modules/controller/validation/names";
import { normalizeDomain } from "../../../src/modules/controller/validation/domain-rules";
import { parseCpu, parseMemory } from "../../../src/modules/controller/validation/process-rules";
import { applyConfigChanges } from "../../../src/modules/controller/validation/config-rules";
import { describeKeyChanges } from "../../../src/modules/controller/services/summaries";
import { AsyncQueue } from "../../../src/modules/cache";
import { structureFor } from "../../../src/modules/runtime/formation";

describe("names", () => {
  test("random names are valid adjective-noun names", () => {
    for (let i = 0; i < 200; i++) {
      expect(validateAppName(randomAppName())).toMatch(/^[a-z]+-[a-z]+$/);
      expect(validateAppName(randomAppName(true))).toMatch(/^[a-z]+-[a-z]+-\d{4}$/);
    }
  });

  test.each(["a", "a1", "my-app", "x".repeat(63)])("%s is a valid app name", (name) => {
    expect(validateAppName(name)).toBe(name);
  });
});

describe("domains", () => {
  test.each([
    ["Example.COM.", "example.com"],
    ["*.Apps.Example.org", "*.apps.example.org"],
    ["xn--bcher-kva.example", "xn--bcher-kva.example"],
  ])("%s is normalised to %s", (raw, expected) => {
    expect(normalizeDomain(raw, "localhost")).toBe(expected);
  });
});

describe("limits", () => {
  test.each([
    ["512M", 512 * 1024 ** 2],
    ["1g", 1024 ** 3],
    ["6291456", 6 * 1024 ** 2],
    ["1.5G", 1.5 * 1024 ** 3],
  ])("memory %s is %d bytes", (value, bytes) => {
    expect(parseMemory(value, "memory.web")).toBe(bytes);
  });

  test.each([
    ["500m", 0.5e9],
    ["2", 2e9],
    ["0.25", 0.25e9],
  ])("cpu %s is %d nano-CPUs", (value, nanos) => {
    expect(parseCpu(value, "cpu.web")).toBe(nanos);
  });
});

describe("config changes", () => {
  test("report what was added, changed and removed, keeping the rest", () => {
    const diff = applyConfigChanges({ A: "1", B: "2", C: "3" }, [
      { key: "A", value: "1" },
      { key: "B", value: "20" },
      { key: "C", value: null },
      { key: "D", value: "" },
    ]);
    expect(diff).toEqual({ values: { A: "1", B: "20", D: "" }, added: ["D"], changed: ["B"], removed: ["C"] });
  });

  test("summaries read like Deis's", () => {
    expect(describeKeyChanges("alice", ["A"], [], [])).toBe("alice added A");
    expect(describeKeyChanges("bob", ["A", "B"], ["C"], ["D"])).toBe("bob added A, B, changed C and removed D");
    expect(describeKeyChanges("eve", [], [], ["zone"], "tag")).toBe("eve removed tag zone");
  });
});

describe("AsyncQueue", () => {
  test("keeps at most its limit of undelivered items, dropping the oldest and counting them", async () => {
    const queue = new AsyncQueue<number>(undefined, 3);
    for (let i = 0; i < 5; i++) queue.push(i);
    expect(queue.dropped).toBe(2);
    expect((await queue.next()).value).toBe(2);
    queue.close();
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });
});

describe("the scale after a build", () => {
  test("the first build runs one routed process; later builds keep counts, drop gone types, add new ones at 0", () => {
    expect(structureFor({ web: "a", worker: "b" }, {})).toEqual({ web: 1, worker: 0 });
    expect(structureFor({}, {})).toEqual({ cmd: 1 });
    expect(structureFor({ web: "a", clock: "c" }, { web: 3, worker: 2 })).toEqual({ web: 3, clock: 0 });
  });

  test("switching between the image's command and a Procfile's web keeps the routed count", () => {
    expect(structureFor({ web: "a" }, { cmd: 2 })).toEqual({ web: 2 });
    expect(structureFor({}, { web: 3, worker: 1 })).toEqual({ cmd: 3 });
  });
});
