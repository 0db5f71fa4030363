import { networkInterfaces } from "node:os";
import type { DeisClient } from "../../src/sdk/client";
import { uniqueApp } from "../harness/apps";
import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";

/**
 * Issue 9, drains: a drain may not reach the platform's own ports (API, builder, Redis, the syslog
 * receiver), the cloud metadata address, or another app's container, in any spelling of the address.
 */
describe("security: log drains", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  const app = uniqueApp("drainsec");

  beforeAll(async () => {
    t = await startTestPlatform({ backend: "embedded" });
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
  });
  afterAll(() => t.stop());

  const hostAddress = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .find((i) => !i.internal && i.family === "IPv4")?.address;

  test.each<[string, (t: TestPlatform) => string, string]>([
    ["the API port", (p) => `syslog+tcp://127.0.0.1:${new URL(p.url).port}`, "a loopback address"],
    ["the builder port as 127.1", (p) => `syslog+tcp://127.1:${p.platform.builder.port}`, "a loopback address"],
    ["the syslog receiver as 2130706433", (p) => `syslog://2130706433:${p.platform.config.syslogPort}`, "a loopback address"],
    ["Redis as 0x7f000001", () => "syslog+tcp://0x7f000001:6379", "a loopback address"],
    ["the router as 017700000001", (p) => `syslog+tcp://017700000001:${p.platform.router.port}`, "a loopback address"],
    ["[::ffff:7f00:1]", () => "syslog://[::ffff:7f00:1]:514", "a loopback address"],
    ["[::ffff:127.0.0.1]", () => "syslog://[::ffff:127.0.0.1]:514", "a loopback address"],
    ["[::1]", () => "syslog://[::1]:514", "a loopback address"],
    ["localhost.", () => "syslog://localhost.:514", "loopback name"],
    ["LOCALHOST", () => "syslog://LOCALHOST:514", "loopback name"],
    ["0.0.0.0", () => "syslog://0.0.0.0:514", "an unspecified address"],
    ["[::]", () => "syslog://[::]:514", "an unspecified address"],
    ["the cloud metadata address", () => "syslog+tcp://169.254.169.254:80", "a link-local address"],
    ["the metadata address as a number", () => "syslog+tcp://2852039166:80", "a link-local address"],
    ["another app's container on Docker's bridge", () => "syslog+tcp://172.17.0.2:5000", "a private address"],
    ["a multicast group", () => "syslog://224.0.0.1:514", "a multicast address"],
    ...(hostAddress ? [["this host's own interface address", () => `syslog://${hostAddress}:514`, "one of this platform's own addresses"] as [string, () => string, string]] : []),
  ])("refuses %s, naming the field and the class, and saves nothing", async (_what, urlOf, rule) => {
    const url = urlOf(t);
    const error = await expectApiError(alice.sdk.AddLogDrain({ app, url }), "BAD_USER_INPUT", "url");
    expect(error.message).toContain(rule);
    expect((await alice.sdk.LogDrains({ app })).logDrains).toEqual([]);
  });

  test("the host's interface address is known to the test (so the own-address case above ran)", () => {
    expect(hostAddress).toBeDefined();
  });
});
