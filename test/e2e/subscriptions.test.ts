import { appLogBatchesTopic } from "../../src/core/topics";
import { appEventsTopic } from "../../src/modules/controller";
import type { AppEventsSubscription, DeisClient } from "../../src/sdk/client";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { scaled } from "../harness/time";

type AppEvent = AppEventsSubscription["appEvents"];

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + scaled(10_000);
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Subscribes (as the only subscriber of the app's topic) and waits until the platform holds the
 * subscription, so no event can slip past; the returned function gives the first `count` events.
 */
async function listen(client: DeisClient, t: TestPlatform, app: string, count: number): Promise<() => Promise<AppEvent[]>> {
  const live = () => t.subscribers(appEventsTopic(app));
  await until(() => live() === 0, "earlier subscriptions have ended");
  const iterator = client.sdk.AppEvents({ app })[Symbol.asyncIterator]();
  const events: AppEvent[] = [];
  const done = (async () => {
    while (events.length < count) {
      const next = await iterator.next();
      if (next.done) break;
      events.push(next.value.appEvents);
    }
    await iterator.return?.();
    return events;
  })();
  await until(() => live() === 1, "the subscription is live");
  return () => done;
}

describe("appEvents subscription", () => {
  let first: TestPlatform;
  let second: TestPlatform;
  let alice: DeisClient;
  let aliceOnSecond: DeisClient;

  beforeAll(async () => {
    first = await startTestPlatform();
    second = await startTestPlatform({ sharing: first });
    const { token, client } = await first.signUp("alice");
    alice = client;
    aliceOnSecond = second.client(token);
    await alice.sdk.CreateApp({ name: "events" });
  });
  afterAll(async () => {
    await second.stop();
    await first.stop();
  });

  test("delivers release, config and domain events in order after each commit", async () => {
    const received = await listen(alice, first, "events", 4);
    await alice.sdk.SetConfig({ app: "events", values: [{ key: "A", value: "1" }] });
    await alice.sdk.AddDomain({ app: "events", domain: "events.example.com" });
    await alice.sdk.RemoveDomain({ app: "events", domain: "events.example.com" });
    const events = await received();
    expect(events.map((e) => [e.type, e.version ?? e.domain])).toEqual([
      ["RELEASE_CREATED", 2],
      ["CONFIG_CHANGED", 2],
      ["DOMAIN_ADDED", "events.example.com"],
      ["DOMAIN_REMOVED", "events.example.com"],
    ]);
    expect(events[0]).toMatchObject({ app: "events", actor: "alice", summary: "alice added A" });
    expect(new Date(events[0].at).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  test("settings that make no release (maintenance, access rules, scheduled jobs) send SETTINGS_CHANGED, saying what changed", async () => {
    const received = await listen(alice, first, "events", 5);
    await alice.sdk.SetMaintenance({ app: "events", on: true });
    await alice.sdk.SetAllowList({ app: "events", cidrs: ["10.0.0.0/8"] });
    await alice.sdk.SetBasicAuth({ app: "events", username: "guest", password: "a-secret-password" });
    const { addCronJob } = await alice.sdk.AddCronJob({ app: "events", schedule: "*/10 * * * *", command: "echo tick" });
    await alice.sdk.RemoveCronJob({ app: "events", id: addCronJob.id });
    const events = await received();
    expect(events.map((e) => [e.type, e.actor, e.summary])).toEqual([
      ["SETTINGS_CHANGED", "alice", "alice turned maintenance on"],
      ["SETTINGS_CHANGED", "alice", "alice changed the allow-list"],
      ["SETTINGS_CHANGED", "alice", "alice set basic auth"],
      ["SETTINGS_CHANGED", "alice", `alice added cron job ${addCronJob.id} (*/10 * * * *): echo tick`],
      ["SETTINGS_CHANGED", "alice", `alice removed cron job ${addCronJob.id}`],
    ]);
    // No release came of them; bad input sends nothing (the next event is the marker's).
    expect((await alice.sdk.Releases({ app: "events" })).releases.nodes[0].version).toBe(2);
    const next = await listen(alice, first, "events", 1);
    await expect(alice.sdk.SetAllowList({ app: "events", cidrs: ["not-a-cidr"] })).rejects.toThrow();
    await alice.sdk.RemoveBasicAuth({ app: "events" });
    expect((await next()).map((e) => e.summary)).toEqual(["alice removed basic auth"]);
    await alice.sdk.SetAllowList({ app: "events", cidrs: [] });
    await alice.sdk.SetMaintenance({ app: "events", on: false });
  });

  test("a change made through a second controller process reaches a subscriber of the first, through Redis", async () => {
    const received = await listen(alice, first, "events", 2);
    await aliceOnSecond.sdk.SetConfig({ app: "events", values: [{ key: "B", value: "2" }] });
    const events = await received();
    expect(events.map((e) => e.type)).toEqual(["RELEASE_CREATED", "CONFIG_CHANGED"]);
    expect(events[0].summary).toBe("alice added B");
  });

  test("a failed change publishes nothing", async () => {
    const received = await listen(alice, first, "events", 1);
    await expect(alice.sdk.SetConfig({ app: "events", values: [{ key: "1BAD", value: "x" }] })).rejects.toThrow();
    await alice.sdk.AddDomain({ app: "events", domain: "marker.example.com" });
    const [event] = await received();
    expect(event).toMatchObject({ type: "DOMAIN_ADDED", domain: "marker.example.com" });
  });

  test("the stream ends with APP_DESTROYED", async () => {
    await alice.sdk.CreateApp({ name: "short-lived" });
    const received = await listen(alice, first, "short-lived", 10);
    await aliceOnSecond.sdk.DestroyApp({ name: "short-lived" });
    const events = await received();
    expect(events.map((e) => e.type)).toEqual(["APP_DESTROYED"]);
  });

  test("a collaborator's streams end when they are taken off the app", async () => {
    const { client: bob } = await first.signUp("bob");
    await alice.sdk.CreateApp({ name: "shared" });
    await alice.sdk.AddCollaborator({ app: "shared", username: "bob" });
    const events = bob.sdk.AppEvents({ app: "shared" })[Symbol.asyncIterator]();
    const logs = bob.sdk.LogTail({ app: "shared" })[Symbol.asyncIterator]();
    const eventsEnd = events.next();
    const logsEnd = logs.next();
    const logTopic = appLogBatchesTopic("shared");
    await until(() => first.subscribers(appEventsTopic("shared")) === 2, "both streams are live");
    await until(() => first.subscribers(logTopic) === 1, "the log stream is live");
    await alice.sdk.RemoveCollaborator({ app: "shared", username: "bob" });
    await expect(eventsEnd).resolves.toEqual({ value: undefined, done: true });
    await expect(logsEnd).resolves.toEqual({ value: undefined, done: true });
  });
});
