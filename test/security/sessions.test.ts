import { appLogBatchesTopic } from "../../src/core/topics";
import { type DeisClient, DeisApiError } from "../../src/sdk/client";
import { uniqueApp } from "../harness/apps";
import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";

const PASSWORD = "correct-horse-battery";
/** How the SDK reports the API closing a subscription connection whose token was revoked (close code 4401). */
const REVOKED = "UNAUTHENTICATED: your token was revoked: log in again";

/** A live `logs` subscription: how it ended (the error's code and message, or "completed"), and the lines it got. */
interface Tail {
  readonly ended: Promise<string>;
  readonly lines: string[];
}

/**
 * Revoking a token (logout, regenerateToken, changePassword, cancelAccount) or a user's admin
 * rights ends the live subscriptions opened with it, on every controller process: two controllers
 * share PostgreSQL and Redis here, and the subscriptions live on the one that did not revoke.
 */
describe("live subscriptions end with the session", () => {
  let first: TestPlatform;
  let second: TestPlatform;
  let root: DeisClient;
  const app = uniqueApp("sessions");

  beforeAll(async () => {
    first = await startTestPlatform();
    second = await startTestPlatform({ sharing: first });
    ({ client: root } = await first.signUp("root")); // the first account: an admin
    await (await first.signUp("alice")).client.sdk.CreateApp({ name: app });
  });
  afterAll(async () => {
    await second.stop();
    await first.stop();
  });

  async function login(username: string, password = PASSWORD): Promise<string> {
    return (await first.client().sdk.Login({ username, password })).login.token;
  }

  const live = (on: TestPlatform) => on.subscribers(appLogBatchesTopic(app));

  /** Opens a logs subscription with `token` on `on` and waits until that controller holds it. */
  async function tail(on: TestPlatform, token: string): Promise<Tail> {
    const before = live(on);
    const iterator = on.client(token).sdk.LogTail({ app })[Symbol.asyncIterator]();
    const lines: string[] = [];
    const ended = (async () => {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return "completed";
        lines.push(next.value.logs.message);
      }
    })().catch((error: unknown) => (error instanceof DeisApiError ? `${error.code}: ${error.message}` : String(error)));
    await eventually("the subscription is live", async () => (live(on) > before ? true : undefined), 10_000);
    return { ended, lines };
  }

  /** A line reaches a subscription that should still be live (published where its controller hears it). */
  async function stillStreams(subscription: Tail, message: string): Promise<void> {
    await first.platform.cache.events.publish(appLogBatchesTopic(app), [{ app, source: "web.1", message, at: new Date().toISOString() }]);
    await eventually(`"${message}" to arrive`, async () => (subscription.lines.includes(message) ? true : undefined), 10_000);
  }

  test("logout ends the subscriptions of that token (on another controller), not those of the user's other tokens", async () => {
    const leaving = await login("alice");
    const staying = await login("alice");
    const doomed = await tail(second, leaving);
    const kept = await tail(second, staying);
    await first.client(leaving).sdk.Logout();
    expect(await doomed.ended).toBe(REVOKED);
    await stillStreams(kept, "after logout");
    await expectApiError(second.client(leaving).sdk.LogTail({ app })[Symbol.asyncIterator]().next(), "UNAUTHENTICATED");
  });

  test("regenerateToken ends the subscriptions of every old token; the new token streams", async () => {
    const a = await login("alice");
    const b = await login("alice");
    const onA = await tail(second, a);
    const onB = await tail(first, b);
    const { regenerateToken } = await first.client(b).sdk.RegenerateToken({});
    expect(await onA.ended).toBe(REVOKED);
    expect(await onB.ended).toBe(REVOKED);
    await expectApiError(second.client(a).sdk.LogTail({ app })[Symbol.asyncIterator]().next(), "UNAUTHENTICATED");
    await stillStreams(await tail(second, regenerateToken), "after regenerate");
  });

  test("changePassword ends the subscriptions of the user's other tokens; the token that changed it streams on", async () => {
    const other = await login("alice");
    const changer = await login("alice");
    const onOther = await tail(second, other);
    const onChanger = await tail(second, changer);
    await first.client(changer).sdk.ChangePassword({ password: PASSWORD, newPassword: "a-brand-new-password" });
    expect(await onOther.ended).toBe(REVOKED);
    await stillStreams(onChanger, "after password change");
    await expectApiError(second.client(other).sdk.LogTail({ app })[Symbol.asyncIterator]().next(), "UNAUTHENTICATED");
    await first.client(changer).sdk.ChangePassword({ password: "a-brand-new-password", newPassword: PASSWORD });
  });

  test("revoked admin rights end the streams the user saw as an admin; a new one is refused as for a stranger", async () => {
    const { token } = await first.signUp("carol");
    await root.sdk.GrantAdmin({ username: "carol" });
    const asAdmin = await tail(second, token);
    await root.sdk.RevokeAdmin({ username: "carol" });
    expect(await asAdmin.ended).toBe("FORBIDDEN: your rights changed: subscribe again");
    await expectApiError(second.client(token).sdk.LogTail({ app })[Symbol.asyncIterator]().next(), "NOT_FOUND");
  });

  test("cancelAccount ends the account's subscriptions", async () => {
    const { token, client: dave } = await first.signUp("dave");
    // alice's first token went with regenerateToken above.
    await first.client(await login("alice")).sdk.AddCollaborator({ app, username: "dave" });
    const collaborating = await tail(second, token);
    await dave.sdk.CancelAccount({});
    expect(await collaborating.ended).toBe(REVOKED);
    await expectApiError(second.client(token).sdk.LogTail({ app })[Symbol.asyncIterator]().next(), "UNAUTHENTICATED");
  });
});
