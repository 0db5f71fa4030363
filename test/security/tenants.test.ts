import { STACK_IMAGE } from "../../src/modules/docker";
import type { DeisClient } from "../../src/sdk/client";
import { get, settledRelease, uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { expectApiError } from "../harness/expect-error";
import { gitPush, gitRepo, sshKeygen } from "../harness/git";
import { type TestPlatform, startTestPlatform } from "../harness/platform";

const SECRET = "alice-secret-7f3a";
const VICTIM_DOCKERFILE = `FROM ${STACK_IMAGE}\nCOPY . /app\nEXPOSE 5000\nCMD ["node", "/app/server.js"]\n`;
const VICTIM_SERVER = `require("http").createServer((q, s) => s.end("${SECRET}")).listen(process.env.PORT);\n`;

/** A shell line that prints REACHED when it gets an HTTP answer from `address`, else REFUSED. */
const probe = (address: string) =>
  `if timeout 5 wget -q -O - http://${address}/ >/dev/null 2>&1; then echo REACHED; else echo REFUSED; fi`;

/**
 * A shell line that tries `attempts` TCP connections to `address` one after another (each given up
 * after 30 ms) and prints "attempts N connected M".
 */
const connectLoop = (address: string, attempts: number) => {
  const [host, port] = address.split(":");
  const script =
    `const net = require("net"); let n = 0, ok = 0;` +
    `(function once() { if (n >= ${attempts}) return console.log("attempts " + n + " connected " + ok); n++;` +
    ` const s = net.connect(${port}, "${host}"); const t = setTimeout(() => { s.destroy(); once(); }, 30);` +
    ` s.on("connect", () => { ok++; clearTimeout(t); s.destroy(); once(); }); s.on("error", () => { clearTimeout(t); once(); }); })();`;
  return `node -e '${script}'`;
};

/**
 * bob (an ordinary second account) tries to read alice's code through images and to reach her
 * containers through the network; each attempt fails and alice's app is untouched.
 */
describe("tenants apart: images and networks", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  let bob: DeisClient;
  let bobKey: { privateKeyPath: string; publicKey: string };
  let bobRemote: string;
  const victim = uniqueApp("victim");
  const thief = uniqueApp("thief");
  let victimImage: { ref: string; id: string; parent: string };
  let victimAddress: string;

  beforeAll(async () => {
    // Embedded: images are named deis-apps/<app>, which docker.io/deis-apps/<app> also reaches.
    t = await startTestPlatform({ backend: "embedded" });
    ({ client: alice } = await t.signUp("alice"));
    ({ client: bob } = await t.signUp("bob"));
    const aliceKey = sshKeygen("alice@laptop");
    bobKey = sshKeygen("bob@laptop");
    await alice.sdk.AddKey({ publicKey: aliceKey.publicKey });
    await bob.sdk.AddKey({ publicKey: bobKey.publicKey });
    const remote = (await alice.sdk.CreateApp({ name: victim })).createApp.gitRemote;
    const push = await gitPush(gitRepo({ "server.js": VICTIM_SERVER, Dockerfile: VICTIM_DOCKERFILE }), remote, aliceKey.privateKeyPath);
    expect(push.code).toBe(0);
    bobRemote = (await bob.sdk.CreateApp({ name: thief })).createApp.gitRemote;
    await bob.sdk.DeployImage({ app: thief, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    await settledRelease(bob, thief, 2);
    const [build] = (await alice.sdk.Builds({ app: victim })).builds.nodes;
    const info = await t.platform.runtime.engine.docker.getImage(build.image).inspect();
    victimImage = { ref: build.image, id: info.Id, parent: info.Parent };
    const web = (await alice.sdk.Processes({ app: victim })).processes.find((p) => p.state === "running")!;
    const container = (await t.platform.runtime.engine.listContainers([`deis.app=${victim}`])).find((c) => c.name === web.name)!;
    victimAddress = `${container.ip}:5000`;
  });
  afterAll(() => t.stop());

  async function aliceUntouched(): Promise<void> {
    const web = (await alice.sdk.Processes({ app: victim })).processes.find((p) => p.state === "running");
    expect((await get(web!.address!)).body).toBe(SECRET);
  }

  test("the victim's image is what the attacks aim at: it holds the secret, its parent is an unnamed layer", async () => {
    expect(victimImage.ref).toMatch(new RegExp(`^deis-apps/${victim}:git-[0-9a-f]{7}$`));
    expect(victimImage.parent).toMatch(/^sha256:/);
    const own = await alice.sdk.Run({ app: victim, command: "cat /app/server.js" });
    expect(own.run.output).toContain(SECRET);
  });

  describe("deployImage of alice's image by any spelling is refused, and bob's app is unchanged", () => {
    const spellings = () => [
      victimImage.ref,
      `${victimImage.ref.replace(/:git-.*/, "")}:v2`,
      `docker.io/${victimImage.ref}`,
      `docker.io/${victimImage.ref.replace(/:git-.*/, "")}:v2`,
      victimImage.id,
      `${victimImage.id.replace("sha256:", "")}`,
      victimImage.parent,
    ];
    test.each([0, 1, 2, 3, 4, 5, 6])("spelling %i", async (index) => {
      const image = spellings()[index];
      const before = (await bob.sdk.Releases({ app: thief })).releases.nodes.map((r) => r.version);
      const error = await expectApiError(bob.sdk.DeployImage({ app: thief, image }), "BAD_USER_INPUT", "image");
      expect(error.message).not.toContain(SECRET);
      expect((await bob.sdk.Releases({ app: thief })).releases.nodes.map((r) => r.version)).toEqual(before);
      await aliceUntouched();
    });
  });

  describe("a Dockerfile that names alice's image by any means fails the push before building", () => {
    const dockerfiles = (): [string, string][] => {
      const repo = victimImage.ref.replace(/:git-.*/, "");
      return [
        ["FROM", `FROM ${repo}:v2\nCMD cat /app/server.js\n`],
        ["FROM with a registry prefix", `FROM docker.io/${repo}:v2\n`],
        ["FROM an image ID", `FROM ${victimImage.id}\n`],
        ["FROM an unnamed parent layer", `FROM ${victimImage.parent}\n`],
        ["FROM an ARG default", `ARG BASE=${repo}\nARG TAG=v2\nFROM \${BASE}:\${TAG}\n`],
        ["COPY --from", `FROM ${STACK_IMAGE}\nCOPY --from=${repo}:v2 /app/server.js /stolen.js\n`],
        ["COPY --from an ID", `FROM ${STACK_IMAGE}\nCOPY --from=${victimImage.id} /app/server.js /stolen.js\n`],
        ["COPY --from hidden by the escape directive", `# escape=\`\nFROM ${STACK_IMAGE}\nRUN echo hidden \\\nCOPY --from=${repo}:v2 /app /stolen\n`],
        ["a stage named like the image", `FROM ${STACK_IMAGE} AS first\nFROM ${repo}:v2 AS second\nCOPY --from=second /app /stolen\n`],
        ["RUN --mount from the image", `FROM ${STACK_IMAGE}\nRUN --mount=type=bind,from=${repo}:v2,target=/m cat /m/app/server.js\n`],
      ];
    };
    test.each(Array.from({ length: 10 }, (_, i) => i))("attempt %i", async (index) => {
      const [what, dockerfile] = dockerfiles()[index];
      const push = await gitPush(gitRepo({ Dockerfile: dockerfile }), bobRemote, bobKey.privateKeyPath, "+main");
      expect({ what, code: push.code }).toEqual({ what, code: 1 });
      expect(push.output).toMatch(/deis: the Dockerfile cannot be built: line \d+/);
      expect(push.output).not.toContain(SECRET);
      expect(push.output).not.toMatch(/Step \d+\//);
      expect((await bob.sdk.Releases({ app: thief })).releases.nodes[0].version).toBe(2);
      await aliceUntouched();
    });
  });

  test("bob's build is labelled his, whatever LABEL his Dockerfile sets: a second build FROM it works, and alice cannot deploy it", async () => {
    const claim = `LABEL deis.app="${victim}" deis.platform="elsewhere"`;
    const push = await gitPush(gitRepo({ Dockerfile: `FROM ${STACK_IMAGE}\nRUN echo bob > /bob.txt\n${claim}\nCMD ["sleep", "3600"]\n`, Procfile: "worker: sleep 3600\n" }), bobRemote, bobKey.privateKeyPath, "+main");
    expect(push.code).toBe(0);
    const [build] = (await bob.sdk.Builds({ app: thief })).builds.nodes;
    const labels = (await t.platform.runtime.engine.inspectImage(build.image))!.labels;
    expect(labels).toMatchObject({ "deis.app": thief, "deis.platform": t.platform.config.platformId });
    await expectApiError(alice.sdk.DeployImage({ app: victim, image: build.image }), "BAD_USER_INPUT", "image");
    const again = await gitPush(gitRepo({ Dockerfile: `FROM ${build.image}\nRUN cat /bob.txt\n`, Procfile: "worker: sleep 3600\n" }), bobRemote, bobKey.privateKeyPath, "+main");
    expect(again.output).toContain("Step ");
    expect(again.code).toBe(0);
  });

  test("a one-off of another app cannot reach alice's container; one of her own can", async () => {
    const theirs = await bob.sdk.Run({ app: thief, command: probe(victimAddress) });
    expect(theirs.run.output.trim()).toBe("REFUSED");
    const own = await alice.sdk.Run({ app: victim, command: probe(victimAddress) });
    expect(own.run.output.trim()).toBe("REACHED");
  });

  test("while networks are being made, bob's one-off still cannot reach alice's container", async () => {
    // Docker re-inserts the jump to its isolation rules whenever any network is made, and in that
    // moment bridges reach each other; a tenant can make networks at will (each app's first process).
    const own = await alice.sdk.Run({ app: victim, command: connectLoop(victimAddress, 5) });
    expect(own.run.output.trim()).toBe("attempts 5 connected 5");
    const docker = t.platform.runtime.engine.docker;
    let probing = true;
    const theirs = bob.sdk.Run({ app: thief, command: connectLoop(victimAddress, 400) }).finally(() => {
      probing = false;
    });
    let made = 0;
    for (; probing && made < 80; made++) await (await docker.createNetwork({ Name: `${thief}-churn-${made}` })).remove();
    expect((await theirs).run.output.trim()).toMatch(/^attempts 400 connected 0$/);
    expect(made).toBeGreaterThan(0);
    await aliceUntouched();
  });

  test("a RUN step of bob's build cannot reach alice's container", async () => {
    const push = await gitPush(
      gitRepo({ Dockerfile: `FROM ${STACK_IMAGE}\nRUN ${probe(victimAddress)}\nCMD ["sleep", "3600"]\n`, Procfile: "worker: sleep 3600\n" }),
      bobRemote,
      bobKey.privateKeyPath,
      "+main",
    );
    // The step's own output line (its command, echoed by the builder, names both words).
    expect(push.output).toMatch(/^remote:\s+REFUSED\s*$/m);
    expect(push.output).not.toMatch(/^remote:\s+REACHED\s*$/m);
    await aliceUntouched();
  });

  test("each app's processes sit on a network of their own, which goes with the app", async () => {
    const engine = t.platform.runtime.engine;
    const networks = async (app: string) => (await engine.docker.listNetworks({ filters: { label: [`deis.app=${app}`] } })).map((n) => n.Name);
    expect(await networks(victim)).toEqual([`${t.platform.config.platformId}-app-${victim}`]);
    await bob.sdk.DestroyApp({ name: thief });
    await t.platform.services.deploys.settled(thief);
    expect(await networks(thief)).toEqual([]);
    await aliceUntouched();
  });
});
