import { isRouted, processTypes, releaseCommand, structureFor } from "../../../src/modules/runtime/formation";

describe("isRouted: which process type gets the web port and routes", () => {
  test.each<[string, Record<string, string>, boolean]>([
    ["web", { web: "node ." }, true],
    ["web", {}, true],
    ["worker", { web: "a", worker: "b" }, false],
    ["cmd", {}, true],
    // A Procfile type that happens to be called cmd is an ordinary process.
    ["cmd", { cmd: "run" }, false],
    // A Procfile with only a release command still runs the image's own command, routed.
    ["cmd", { release: "migrate" }, true],
  ])("%s with Procfile %j: %s", (type, procfile, routed) => {
    expect(isRouted(type, procfile)).toBe(routed);
  });
});

describe("structureFor", () => {
  test("an image without a Procfile runs cmd; its first build gets one", () => {
    expect(processTypes({})).toEqual(["cmd"]);
    expect(structureFor({}, {})).toEqual({ cmd: 1 });
  });

  test("the first build scales the routed type to one and the rest to zero", () => {
    expect(structureFor({ web: "a", worker: "b" }, {})).toEqual({ web: 1, worker: 0 });
    expect(structureFor({ cmd: "a", worker: "b" }, {})).toEqual({ cmd: 0, worker: 0 });
  });

  test("kept types keep their counts, dropped ones go, and the routed scale moves between cmd and web", () => {
    expect(structureFor({ web: "a", clock: "c" }, { web: 3, worker: 2 })).toEqual({ web: 3, clock: 0 });
    expect(structureFor({ web: "a" }, { cmd: 4 })).toEqual({ web: 4 });
    expect(structureFor({}, { web: 2, worker: 1 })).toEqual({ cmd: 2 });
  });
});

describe("the release command is not a process type", () => {
  test("it is the build's release command, never in the structure", () => {
    expect(releaseCommand({ web: "a", release: "migrate" })).toBe("migrate");
    expect(releaseCommand({ web: "a" })).toBeNull();
    expect(processTypes({ web: "a", release: "migrate" })).toEqual(["web"]);
    expect(structureFor({ web: "a", release: "migrate" }, {})).toEqual({ web: 1 });
    expect(structureFor({ release: "migrate" }, {})).toEqual({ cmd: 1 });
    expect(structureFor({ web: "a", release: "migrate" }, { web: 2 })).toEqual({ web: 2 });
  });
});
