import { ImageNames, normalizeReference, parseReference } from "../../../src/modules/docker";

describe("image references", () => {
  test.each([
    ["node:20", "docker.io/library/node:20"],
    ["library/node:20", "docker.io/library/node:20"],
    ["docker.io/node:20", "docker.io/library/node:20"],
    ["deis-apps/shop:v3", "docker.io/deis-apps/shop:v3"],
    ["docker.io/deis-apps/shop:v3", "docker.io/deis-apps/shop:v3"],
    ["127.0.0.1:5000/shop:git-abc1234", "127.0.0.1:5000/shop:git-abc1234"],
    ["localhost/shop", "localhost/shop"],
    ["registry.example.com/team/app@sha256:ab", "registry.example.com/team/app@sha256:ab"],
    ["deis.local/stack:node-20", "deis.local/stack:node-20"],
  ])("%s is %s", (ref, normal) => {
    expect(normalizeReference(ref)).toBe(normal);
  });

  test("parts of a reference", () => {
    expect(parseReference("127.0.0.1:5000/a/b:t@sha256:x")).toEqual({ registry: "127.0.0.1:5000", path: "a/b", tag: "t", digest: "sha256:x" });
    expect(parseReference("shop")).toEqual({ registry: "docker.io", path: "library/shop", tag: null, digest: null });
  });
});

describe("the platform's names for app images", () => {
  const local = new ImageNames(null);
  const registry = new ImageNames("127.0.0.1:5000");

  test("a push's image and a release's image", () => {
    expect(local.build("shop", "abcdef0123456789")).toBe("deis-apps/shop:git-abcdef0");
    expect(registry.release("shop", 4)).toBe("127.0.0.1:5000/shop:v4");
    expect(registry.repository("shop")).toBe("127.0.0.1:5000/shop");
  });

  test("which app's repository a name points into, in any spelling", () => {
    expect(local.appOf("deis-apps/shop:v1")).toBe("shop");
    expect(local.appOf("docker.io/deis-apps/shop:v1")).toBe("shop");
    expect(registry.appOf("127.0.0.1:5000/shop@sha256:ab")).toBe("shop");
    expect(registry.appOf("deis-apps/shop:v1")).toBe("shop");
    expect(registry.appOf("node:20")).toBeNull();
    expect(registry.appOf("127.0.0.2:5000/shop:v1")).toBeNull();
    expect(local.appOf("deis-apps-evil/shop:v1")).toBeNull();
  });
});
