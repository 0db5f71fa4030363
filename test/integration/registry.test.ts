import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { RegistryClient, type RunningRegistry, startRegistry } from "../../src/modules/registry";
import { DockerEngine } from "../../src/modules/docker";
import { ECHO_IMAGE } from "../harness/docker";
import { testEnv } from "../harness/env";
import { freePort } from "../harness/processes";

describe("the platform registry (docker-registry) and its v2 API client", () => {
  const engine = new DockerEngine();
  let registry: RunningRegistry;
  let client: RegistryClient;
  let image: string;

  beforeAll(async () => {
    registry = await startRegistry(mkdtempSync(join(testEnv.root, "registry-")), "127.0.0.1", await freePort());
    client = new RegistryClient(registry.url);
    image = `${client.host}/pushed:git-abc1234`;
    await engine.tagImage(ECHO_IMAGE, image);
  });
  afterAll(async () => {
    await engine.removeImage(image);
    await registry.stop();
  });

  test("an image pushed through the engine is listed with the digest the push reported", async () => {
    const lines: string[] = [];
    const digest = await engine.pushImage(image, (line) => lines.push(line));
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(await client.tags("pushed")).toEqual(["git-abc1234"]);
    expect(await client.digest("pushed", "git-abc1234")).toBe(digest);
    expect(lines.some((line) => line.includes("git-abc1234"))).toBe(true);
  });

  test("unknown repositories and tags are empty, not errors", async () => {
    expect(await client.tags("nothing-here")).toEqual([]);
    expect(await client.digest("pushed", "nope")).toBeNull();
  });

  test("deleting a repository removes its manifests", async () => {
    expect(await client.deleteRepository("pushed")).toBe(1);
    expect(await client.digest("pushed", "git-abc1234")).toBeNull();
  });

  test("a registry that is not there is a clear error", async () => {
    const gone = new RegistryClient(`http://127.0.0.1:${await freePort()}`);
    await expect(gone.ping()).rejects.toThrow(/does not answer/);
  });
});
