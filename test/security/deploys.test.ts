import { STACK_IMAGE } from "../../src/modules/docker";
import type { DeisClient } from "../../src/sdk/client";
import { get, settledRelease, uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { commit, gitPush, gitRepo, sshKeygen } from "../harness/git";
import { send } from "../harness/http";
import { type TestPlatform, startTestPlatform } from "../harness/platform";

const SERVER = `require("http").createServer((q, s) => s.end(process.env.GREETING || "v1")).listen(process.env.PORT);\n`;
const DOCKERFILE = `FROM ${STACK_IMAGE}\nCOPY server.js /app/server.js\nEXPOSE 5000\n`;
const PIDS = 64;

/** A failed push or a fork bomb changes nothing that serves; limits are on every process. */
describe("safe deploys and default limits", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  let key: { privateKeyPath: string; publicKey: string };
  let remote: string;
  let repo: string;
  const app = uniqueApp("steady");
  const other = uniqueApp("bomber");

  beforeAll(async () => {
    t = await startTestPlatform({ env: { DEIS_DEFAULT_PIDS: String(PIDS), DEIS_DEFAULT_MEMORY: "300M" } });
    ({ client: alice } = await t.signUp("alice"));
    key = sshKeygen("alice@laptop");
    await alice.sdk.AddKey({ publicKey: key.publicKey });
    remote = (await alice.sdk.CreateApp({ name: app })).createApp.gitRemote;
    repo = gitRepo({ "server.js": SERVER, Dockerfile: DOCKERFILE, Procfile: "web: node /app/server.js\n" });
    expect((await gitPush(repo, remote, key.privateKeyPath)).code).toBe(0);
  });
  afterAll(() => t.stop());

  const viaRouter = () => send(t.platform.router.port, `${app}.localhost`);

  test("a push whose image exits at once fails, and the router answers every request meanwhile", async () => {
    let stop = false;
    const answers: number[] = [];
    const load = (async () => {
      while (!stop) answers.push(await viaRouter().then((a) => a.status, () => 0));
    })();
    // No Procfile and a CMD that exits: the build would move the app from web to cmd.
    commit(repo, { Procfile: null, Dockerfile: `${DOCKERFILE}CMD ["sh", "-c", "exit 3"]\n` }, "broken");
    const push = await gitPush(repo, remote, key.privateKeyPath);
    stop = true;
    await load;
    expect(push.code).not.toBe(0);
    expect(push.output).toContain("the previous release keeps serving");
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter((status) => status !== 200)).toEqual([]);
    const { app: found } = await alice.sdk.App({ name: app });
    expect(found.structure).toEqual([{ type: "web", count: 1 }]);
    expect((await alice.sdk.Processes({ app })).processes.map((p) => `${p.type}.${p.num}:v${p.version}`)).toEqual(["web.1:v2"]);
    expect((await viaRouter()).body).toBe("v1");
  });

  test("config:set after the failed push deploys on the serving build", async () => {
    const { releases } = await alice.sdk.Releases({ app });
    expect(releases.nodes[0]).toMatchObject({ version: 3, status: "FAILED" });
    const { setConfig } = await alice.sdk.SetConfig({ app, values: [{ key: "GREETING", value: "hello" }] });
    expect(setConfig.version).toBe(4);
    expect(await settledRelease(alice, app, 4)).toMatchObject({ status: "SUCCEEDED" });
    expect((await viaRouter()).body).toBe("hello");
    expect((await alice.sdk.Processes({ app })).processes.map((p) => `${p.type}.${p.num}:v${p.version}`)).toEqual(["web.1:v4"]);
  });

  test("every process has the default memory and pids limits; an app's memory limit overrides the default", async () => {
    const engine = t.platform.runtime.engine;
    const limits = async () => {
      const [container] = await engine.listContainers([`deis.app=${app}`, "deis.type=web"]);
      const { HostConfig } = await engine.docker.getContainer(container.id).inspect();
      return { memory: HostConfig.Memory, pids: HostConfig.PidsLimit };
    };
    expect(await limits()).toEqual({ memory: 300 * 1024 * 1024, pids: PIDS });
    await alice.sdk.SetLimits({ app, memory: [{ type: "web", value: "200M" }] });
    await settledRelease(alice, app, 5);
    expect(await limits()).toEqual({ memory: 200 * 1024 * 1024, pids: PIDS });
  });

  test("a fork bomb in a one-off stops at the pids limit while other apps keep serving", async () => {
    await alice.sdk.CreateApp({ name: other });
    await alice.sdk.DeployImage({ app: other, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    await settledRelease(alice, other, 2);
    const { run } = await alice.sdk.Run({
      app: other,
      // The bomb runs in a child shell (a shell that cannot fork exits); then only builtins count
      // the processes: at the limit nothing can fork, not even ps or cat.
      command: `sh -c 'for i in $(seq 1 ${PIDS * 4}); do sleep 120 & done' 2>/dev/null; f=/sys/fs/cgroup/pids.current; [ -r $f ] || f=/sys/fs/cgroup/pids/pids.current; read n < $f; echo $n`,
      timeoutSeconds: 120,
    });
    const processes = Number(run.output.trim().split("\n").pop());
    expect(processes).toBeGreaterThan(PIDS / 2);
    expect(processes).toBeLessThanOrEqual(PIDS);
    expect((await viaRouter()).status).toBe(200);
    const web = (await alice.sdk.Processes({ app: other })).processes.find((p) => p.type === "web");
    expect((await get(web!.address!)).status).toBe(200);
  });
});
