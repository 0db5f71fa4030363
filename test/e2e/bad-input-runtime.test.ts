import { servicesOf } from "../../src/modules/discovery";
import type { DeisClient } from "../../src/sdk/client";
import { settledRelease, uniqueApp } from "../harness/apps";
import { selfSigned } from "../harness/certificates";
import { ECHO_IMAGE } from "../harness/docker";
import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";

/**
 * Bad input to deploys, scale, restart, run and certificates: each refused with its field and rule,
 * and nothing that runs changes (releases, scale, processes, routes, certificates).
 */
describe("runtime bad input is refused, named, and changes nothing", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  const app = uniqueApp("bad");
  const other = selfSigned(["other.example.com"]);
  const mine = selfSigned(["shop.example.com"]);

  beforeAll(async () => {
    t = await startTestPlatform();
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
    await alice.sdk.CreateApp({ name: `${app}-empty` });
    await alice.sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }, { type: "worker", command: "sleep 3600" }] });
    await settledRelease(alice, app, 2);
  });
  afterAll(() => t.stop());

  async function snapshot() {
    const [{ app: found }, { releases }, { processes }, { certificates }, routes] = await Promise.all([
      alice.sdk.App({ name: app }),
      alice.sdk.Releases({ app, first: 100 }),
      alice.sdk.Processes({ app }),
      alice.sdk.Certificates({ app }),
      t.platform.discovery.getPrefix(servicesOf(app)),
    ]);
    return {
      structure: found.structure,
      releases: releases.nodes.map((r) => `v${r.version}:${r.status}`),
      processes: processes.map((p) => `${p.name}:${p.state}:${p.address}`),
      certificates: certificates.nodes.map((c) => c.name),
      routes: [...routes.entries()],
    };
  }

  const BAD = "BAD_USER_INPUT";
  const deploy = (image: string, procfile?: { type: string; command: string }[]) => alice.sdk.DeployImage({ app, image, procfile });
  const scale = (type: string, count: number) => alice.sdk.Scale({ app, processes: [{ type, count }] });
  const run = (command: string, timeoutSeconds?: number) => alice.sdk.Run({ app, command, timeoutSeconds });
  const addCertificate = (certificate: string, key: string, name = "tls") => alice.sdk.AddCertificate({ app, name, certificate, key });
  const IMAGE_RULE = /a tag is required; latest is not assumed/;

  const cases: { name: string; call: () => Promise<unknown>; code: string; field?: string; rule: RegExp }[] = [
    { name: "an image that is not on the platform", call: () => deploy("nowhere/nothing:1.0"), code: BAD, field: "image", rule: /no image nowhere\/nothing:1\.0 on the platform/ },
    { name: "an image without a tag", call: () => deploy("deis-test/echo"), code: BAD, field: "image", rule: IMAGE_RULE },
    { name: "an image in uppercase", call: () => deploy("Deis-Test/Echo:1"), code: BAD, field: "image", rule: IMAGE_RULE },
    { name: "an empty image", call: () => deploy(""), code: BAD, field: "image", rule: IMAGE_RULE },
    { name: "a Procfile type with a bad name", call: () => deploy(ECHO_IMAGE, [{ type: "Web!", command: "x" }]), code: BAD, field: "procfile[0].type", rule: /a process type is 1-30 lowercase letters/ },
    { name: "a Procfile type twice", call: () => deploy(ECHO_IMAGE, [{ type: "web", command: "a" }, { type: "web", command: "b" }]), code: BAD, field: "procfile.web", rule: /only once/ },
    { name: "a Procfile type without a command", call: () => deploy(ECHO_IMAGE, [{ type: "web", command: " " }]), code: BAD, field: "procfile.web", rule: /a command is 1 to 4096 characters/ },
    { name: "scale of an unknown type", call: () => scale("clock", 1), code: BAD, field: "processes[0].type", rule: /clock is not a process type of this app \(it has web, worker\)/ },
    { name: "scale to a negative count", call: () => scale("web", -1), code: BAD, field: "processes.web", rule: /a count is a whole number from 0 to 100/ },
    { name: "scale to a huge count", call: () => scale("web", 1000), code: BAD, field: "processes.web", rule: /a count is a whole number from 0 to 100/ },
    { name: "scale with nothing to scale", call: () => alice.sdk.Scale({ app, processes: [] }), code: BAD, field: "processes", rule: /give at least one type=count/ },
    { name: "scale of an app without a build", call: () => alice.sdk.Scale({ app: `${app}-empty`, processes: [{ type: "web", count: 1 }] }), code: "CONFLICT", rule: /has no build yet/ },
    { name: "restart of a type that does not run", call: () => alice.sdk.Restart({ app, type: "clock" }), code: BAD, field: "type", rule: /no running process matches clock/ },
    { name: "restart of a process number without its type", call: () => alice.sdk.Restart({ app, num: 1 }), code: BAD, field: "num", rule: /needs its type/ },
    { name: "run with an empty command", call: () => run("   "), code: BAD, field: "command", rule: /must not be empty/ },
    { name: "run with a zero time limit", call: () => run("true", 0), code: BAD, field: "timeoutSeconds", rule: /from 1 to 900/ },
    { name: "run on an app with nothing deployed", call: () => alice.sdk.Run({ app: `${app}-empty`, command: "true" }), code: "CONFLICT", rule: /has nothing deployed yet/ },
    { name: "a certificate that is not PEM", call: () => addCertificate("hello", mine.key), code: BAD, field: "certificate", rule: /must be a PEM certificate/ },
    { name: "a key that is not PEM", call: () => addCertificate(mine.certificate, "hello"), code: BAD, field: "key", rule: /must be a PEM private key/ },
    { name: "a key of another certificate", call: () => addCertificate(mine.certificate, other.key), code: BAD, field: "key", rule: /does not belong to the certificate/ },
    { name: "a certificate name with capitals", call: () => addCertificate(mine.certificate, mine.key, "TLS"), code: BAD, field: "name", rule: /lowercase letters, digits and inner hyphens/ },
  ];

  test.each(cases)("$name -> $code", async ({ call, code, field, rule }) => {
    const before = await snapshot();
    const error = await expectApiError(call(), code, field);
    expect(error.message).toMatch(rule);
    await t.platform.services.deploys.settled(app);
    expect(await snapshot()).toEqual(before);
  });

  test("a Procfile without a web type is accepted: nothing is routed until a type is scaled", async () => {
    const worker = `${app}-worker`;
    await alice.sdk.CreateApp({ name: worker });
    await alice.sdk.DeployImage({ app: worker, image: ECHO_IMAGE, procfile: [{ type: "worker", command: "node /app/server.js" }] });
    expect(await settledRelease(alice, worker, 2)).toMatchObject({ status: "SUCCEEDED" });
    expect((await alice.sdk.App({ name: worker })).app.structure).toEqual([{ type: "worker", count: 0 }]);
    await alice.sdk.Scale({ app: worker, processes: [{ type: "worker", count: 1 }] });
    await t.platform.services.deploys.settled(worker);
    const { processes } = await alice.sdk.Processes({ app: worker });
    expect(processes.map((p) => [p.type, p.state, p.address])).toEqual([["worker", "running", null]]);
    expect((await t.platform.discovery.getPrefix(servicesOf(worker))).size).toBe(0);
  });
});
