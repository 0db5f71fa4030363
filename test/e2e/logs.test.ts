import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { appLogBatchesTopic } from "../../src/core/topics";
import type { DeisClient, LogLineFieldsFragment } from "../../src/sdk/client";
import { settledRelease, uniqueApp } from "../harness/apps";
import { ECHO_IMAGE } from "../harness/docker";
import { expectApiError } from "../harness/expect-error";
import { send } from "../harness/http";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";

/** The log server: containers' output, router and platform lines, live tails, syslog, drains. */
describe("logs", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  const app = uniqueApp("logs");
  const host = `${app}.localhost`;

  const recent = async (lines = 1000) => (await alice.sdk.Logs({ app, lines })).logs;
  const linesMatching = async (pattern: RegExp, count = 1) =>
    eventually(`${count} line(s) matching ${pattern}`, async () => {
      const found = (await recent()).filter((l) => pattern.test(l.text));
      return found.length >= count ? found : undefined;
    });

  /** Subscribes to the app's live tail and waits until the platform holds the subscription. */
  async function tail(client: DeisClient): Promise<AsyncIterator<{ logs: LogLineFieldsFragment }>> {
    const topic = appLogBatchesTopic(app);
    const before = t.subscribers(topic);
    const iterator = client.sdk.LogTail({ app })[Symbol.asyncIterator]();
    const first = iterator.next();
    await eventually("the tail to be live", async () => (t.subscribers(topic) > before ? true : undefined));
    let taken = false;
    return {
      next: () => (taken ? iterator.next() : ((taken = true), first)),
      return: () => iterator.return!(),
    } as AsyncIterator<{ logs: LogLineFieldsFragment }>;
  }

  beforeAll(async () => {
    // The test's drain listens on loopback, which drains may reach only where the operator allows it.
    t = await startTestPlatform({ env: { DEIS_DRAINS_ALLOW: "127.0.0.1/32" } });
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.CreateApp({ name: app });
    await alice.sdk.DeployImage({
      app,
      image: ECHO_IMAGE,
      procfile: [
        { type: "web", command: "node /app/server.js" },
        {
          type: "noisy",
          command: `node -e 'console.log("big:" + "x".repeat(200000)); process.stdout.write(Buffer.from([0x62, 0x69, 0x6e, 0x00, 0xff, 0x1b, 0x0a])); for (let i = 0; i < 10000; i++) console.log("burst " + i); setInterval(() => {}, 1e6)'`,
        },
      ],
    });
    await settledRelease(alice, app, 2);
  });
  afterAll(() => t.stop());

  test("a process's output, the router's lines and the platform's events are in the app's log", async () => {
    await eventually("the route", async () => ((await send(t.platform.router.port, host, "/hello")).status === 200 ? true : undefined));
    const [web] = await linesMatching(/\[web\.1\]: GET \/hello/);
    expect(web.text).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${app}\\[web\\.1\\]: GET /hello$`));
    const [router] = await linesMatching(/\[router\]: GET \/hello 200 \d+ms/);
    expect(router).toMatchObject({ app, source: "router" });
    expect((await linesMatching(/deis\[api\]: alice deployed deis-test\/echo:1/))[0].source).toBe("deis[api]");
    await linesMatching(/deis\[api\]: v2 deployed/);
  });

  test("10,000 lines in a burst reach a live tail in order, none lost; long lines split, binary escaped; storage bounded", async () => {
    const follower = await tail(alice);
    // The same lines through logBatches: in the batches they arrived in, the same order.
    const before = t.subscribers(appLogBatchesTopic(app));
    const batches = alice.sdk.LogBatches({ app })[Symbol.asyncIterator]();
    const batched = (async () => {
      const sizes: number[] = [];
      const seq: number[] = [];
      while (seq.length < 10_000) {
        const { logBatches } = (await batches.next()).value as { logBatches: LogLineFieldsFragment[] };
        const bursts = logBatches.filter((l) => l.source === "noisy.1" && l.message.startsWith("burst "));
        if (bursts.length) sizes.push(bursts.length);
        seq.push(...bursts.map((l) => Number(l.message.slice(6))));
      }
      await batches.return!();
      return { sizes, seq };
    })();
    await eventually("the batch tail to be live", async () => (t.subscribers(appLogBatchesTopic(app)) > before ? true : undefined));
    await alice.sdk.Scale({ app, processes: [{ type: "noisy", count: 1 }] });
    const big: string[] = [];
    const bursts: number[] = [];
    let binary = "";
    while (bursts.length < 10_000) {
      const { logs } = (await follower.next()).value!;
      if (logs.source !== "noisy.1") continue;
      if (logs.message.startsWith("burst ")) bursts.push(Number(logs.message.slice(6)));
      else if (logs.message.startsWith("bin")) binary = logs.message;
      else big.push(logs.message);
    }
    await follower.return!();
    expect(bursts).toEqual([...Array(10_000).keys()]);
    const { sizes, seq } = await batched;
    expect(seq).toEqual([...Array(10_000).keys()]);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(big.map((piece) => Buffer.byteLength(piece))).toEqual([65536, 65536, 65536, 200004 - 3 * 65536]);
    expect(big.join("")).toBe(`big:${"x".repeat(200_000)}`);
    expect(binary).toBe("bin\\x00\uFFFD\\x1b");
    expect(await recent(1000)).toHaveLength(1000);
    await alice.sdk.Scale({ app, processes: [{ type: "noisy", count: 0 }] });
  });

  test("the live tail delivers every line in order, and a subscriber leaving mid-stream harms nothing", async () => {
    const leaver = await tail(alice);
    const follower = await tail(alice);
    const seen: number[] = [];
    const reading = (async () => {
      while (seen.length < 200) {
        const { logs } = (await follower.next()).value!;
        const match = / GET \/seq\/(\d+)$/.exec(logs.text);
        if (match && logs.source === "web.1") seen.push(Number(match[1]));
      }
    })();
    for (let i = 0; i < 200; i++) {
      await send(t.platform.router.port, host, `/seq/${i}`);
      if (i === 20) {
        await leaver.next();
        await leaver.return!();
      }
    }
    await reading;
    await follower.return!();
    expect(seen).toEqual([...Array(200).keys()]);
    expect((await send(t.platform.router.port, host, "/after")).status).toBe(200);
  });

  test("syslog with the app's ingest token (RFC 5424 over UDP, RFC 3164 over TCP) lands in the app's log; garbage is dropped and counted", async () => {
    const port = await eventually("the syslog receiver", async () => t.platform.logServer.syslogPort ?? undefined);
    const { token } = (await alice.sdk.LogIngest({ app })).logIngest;
    const udp = createSocket("udp4");
    udp.send(`<14>1 ${new Date().toISOString()} box ${app} cron - [deis token="${token}"] nightly backup done`, port, "127.0.0.1");
    const tcp = connect(port, "127.0.0.1");
    tcp.write(`<13>Nov 24 10:00:00 ${token} ${app}[mailer]: sent 3 mails\n`);
    tcp.write("this is not syslog at all\n");
    tcp.write(`<14>1 - - no-such-app x - - who am i\n`);
    expect((await linesMatching(/\[cron\]: nightly backup done$/))[0].source).toBe("cron");
    await linesMatching(/\[mailer\]: sent 3 mails$/);
    await eventually("garbage counted", async () => (t.platform.logServer.dropped >= 2 ? true : undefined));
    udp.close();
    tcp.destroy();
  });

  test("a drain receives a copy of the app's lines as RFC 5424", async () => {
    const drain = createSocket("udp4");
    const received: string[] = [];
    drain.on("message", (message) => received.push(message.toString()));
    await new Promise<void>((resolve) => drain.bind(0, "127.0.0.1", resolve));
    const url = `syslog://127.0.0.1:${drain.address().port}`;
    expect((await alice.sdk.AddLogDrain({ app, url })).addLogDrain.url).toBe(url);
    expect((await alice.sdk.LogDrains({ app })).logDrains.map((d) => d.url)).toEqual([url]);
    await eventually("a line at the drain", async () => {
      await send(t.platform.router.port, host, "/drained");
      return received.some((m) => m.includes(` ${app} web.1 - - GET /drained`)) ? true : undefined;
    });
    expect(received.find((m) => m.includes("GET /drained"))).toMatch(/^<14>1 \S+ deis /);
    await expectApiError(alice.sdk.AddLogDrain({ app, url: "http://nope" }), "BAD_USER_INPUT", "url");
    expect(await alice.sdk.RemoveLogDrain({ app, url })).toEqual({ removeLogDrain: true });
    drain.close();
  });

  test("bad input: lines out of range; a stranger may not read the logs", async () => {
    await expectApiError(alice.sdk.Logs({ app, lines: 0 }), "BAD_USER_INPUT", "lines");
    await expectApiError(alice.sdk.Logs({ app, lines: 5000 }), "BAD_USER_INPUT", "lines");
    const { client: stranger } = await t.signUp("stranger");
    await expectApiError(stranger.sdk.Logs({ app }), "NOT_FOUND");
  });

  test("destroying the app removes its logs, and its processes' last lines do not bring them back", async () => {
    await alice.sdk.DestroyApp({ name: app });
    await t.platform.services.deploys.settled(app);
    await eventually("logs gone", async () => ((await t.platform.cache.lists.tail(`logs:${app}`, 10)).length === 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await t.platform.cache.lists.tail(`logs:${app}`, 10)).toEqual([]);
  });
});
