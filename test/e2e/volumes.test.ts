import type { DeisClient } from "../../src/sdk/client";
import { settledRelease, uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";

/** Persistent volumes: mounted into processes and one-offs, kept across releases, restarts and rollbacks. */
describe("volumes", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  const app = uniqueApp("vol");

  /** The Docker volumes the platform keeps for an app. */
  const engineVolumes = async (name: string) =>
    (await t.platform.runtime.engine.docker.listVolumes({ filters: { label: [`deis.platform=${t.platform.config.platformId}`, `deis.app=${name}`] } })).Volumes ?? [];
  const run = async (command: string) => (await alice.sdk.Run({ app, command })).run;
  const latestVersion = async () => (await alice.sdk.Releases({ app })).releases.nodes[0].version;

  beforeAll(async () => {
    t = await startTestPlatform();
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
    // Each web process leaves a file named for its release in /data (when it is mounted) before it serves.
    await alice.sdk.DeployImage({
      app,
      image: ECHO_IMAGE,
      procfile: [{ type: "web", command: "(test -d /data && echo up > /data/web-$DEIS_RELEASE); node /app/server.js" }],
    });
    expect((await settledRelease(alice, app, 2)).status).toBe("SUCCEEDED");
  });
  afterAll(() => t.stop());

  test("a file written to a volume survives a redeploy, a restart and a rollback to a release from before the volume", async () => {
    const { addVolume } = await alice.sdk.AddVolume({ app, name: "data", path: "/data" });
    expect(addVolume).toMatchObject({ version: 3, summary: "alice added volume data at /data" });
    expect((await settledRelease(alice, app, 3)).status).toBe("SUCCEEDED");
    expect((await alice.sdk.Volumes({ app })).volumes).toEqual([expect.objectContaining({ name: "data", path: "/data", node: null })]);
    const [volume] = await engineVolumes(app);
    expect(volume).toMatchObject({
      // By the app's id (dots, which no name has): no other app's name and volume can spell it.
      Name: expect.stringMatching(new RegExp(`^${t.platform.config.platformId}\\.[0-9a-f-]{36}\\.data$`)),
      Labels: expect.objectContaining({ "deis.app": app, "deis.volume": "data" }),
    });

    // A one-off writes; the web process of v3 wrote too.
    expect(await run("echo kept > /data/marker && cat /data/web-v3")).toMatchObject({ exitCode: 0, stdout: "up\n" });

    // A redeploy (a config change makes v4): new processes, same data.
    await alice.sdk.SetConfig({ app, values: [{ key: "GREETING", value: "hi" }] });
    expect((await settledRelease(alice, app, 4)).status).toBe("SUCCEEDED");
    expect(await run("cat /data/marker /data/web-v4")).toMatchObject({ exitCode: 0, stdout: "kept\nup\n" });

    await alice.sdk.Restart({ app });
    expect(await run("cat /data/marker")).toMatchObject({ exitCode: 0, stdout: "kept\n" });

    // v2 had no volume, but volumes belong to the app: the rollback (v5) mounts it still.
    await alice.sdk.Rollback({ app, version: 2 });
    expect((await settledRelease(alice, app, 5)).status).toBe("SUCCEEDED");
    expect(await run("cat /data/marker /data/web-v5")).toMatchObject({ exitCode: 0, stdout: "kept\nup\n" });
  });

  test("bad names and paths are refused naming the field and the rule, and change nothing", async () => {
    const before = await latestVersion();
    const refusals: [string, string, string, RegExp][] = [
      ["data2", "/", "path", /must not be \//],
      ["data2", "/app", "path", /hide the app's code/],
      ["data2", "data", "path", /must be absolute/],
      ["data2", "/data2/../etc", "path", /must not contain '\.\.'/],
      ["data2", "/etc/app", "path", /must not be in \/etc: a system path/],
      ["data2", "/usr", "path", /must not be in \/usr/],
      ["data2", "/proc/x", "path", /must not be in \/proc/],
      ["data2", "/tmp", "path", /must not be in \/tmp/],
      ["data2", "/data/inner", "path", /another volume's path \(data is at \/data\)/],
      ["Data_2", "/data2", "name", /lowercase letters, digits and dashes/],
      ["", "/data2", "name", /lowercase letters/],
    ];
    for (const [name, path, field, rule] of refusals) {
      const error = await expectApiError(alice.sdk.AddVolume({ app, name, path }), "BAD_USER_INPUT", field);
      expect(error.message).toMatch(rule);
    }
    await expectApiError(alice.sdk.AddVolume({ app, name: "data", path: "/elsewhere" }), "CONFLICT", "name");
    await expectApiError(alice.sdk.RemoveVolume({ app, name: "nope" }), "NOT_FOUND");
    // A rename removes the old name as if destroyed, volumes included: refused while the app has any.
    expect((await expectApiError(alice.sdk.RenameApp({ app, name: `${app}-new` }), "CONFLICT")).message).toMatch(/has volumes, which a rename would remove/);
    expect(await latestVersion()).toBe(before);
    expect((await alice.sdk.Volumes({ app })).volumes.map((v) => v.name)).toEqual(["data"]);
  });

  test("removing a volume unmounts it in a new release and deletes its data; destroying the app deletes its volumes", async () => {
    const before = await latestVersion();
    const { removeVolume } = await alice.sdk.RemoveVolume({ app, name: "data" });
    expect(removeVolume.summary).toBe("alice removed volume data");
    expect((await settledRelease(alice, app, before + 1)).status).toBe("SUCCEEDED");
    await eventually("the removed volume to be deleted", async () => ((await engineVolumes(app)).length === 0 ? true : undefined));
    expect((await run("test -e /data/marker")).exitCode).not.toBe(0);

    await alice.sdk.AddVolume({ app, name: "cache", path: "/var/cache/app" });
    expect((await settledRelease(alice, app, before + 2)).status).toBe("SUCCEEDED");
    expect((await engineVolumes(app)).map((v) => v.Labels?.["deis.volume"])).toEqual(["cache"]);
    await alice.sdk.DestroyApp({ name: app });
    await eventually("the destroyed app's volumes to be deleted", async () => ((await engineVolumes(app)).length === 0 ? true : undefined));
  });
});
