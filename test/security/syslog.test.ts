import { type Socket, connect } from "node:net";
import type { DeisClient } from "../../src/sdk/client";
import { uniqueApp } from "../harness/apps";
import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { eventually } from "../harness/wait";

/**
 * Issue 9, syslog: a line lands in an app's log only with that app's ingest token. Without one, with
 * another app's, or with a token rotated away, it is dropped and counted, and the victim's log is
 * untouched. Lines on one TCP connection are taken in order, so a line that lands after a refused
 * one proves the refused one was handled (and dropped), without waiting on the clock.
 */
describe("security: syslog ingest tokens", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  let bob: DeisClient;
  let tcp: Socket;
  const victim = uniqueApp("victim");
  const bobs = uniqueApp("bobs");

  const logOf = async (app: string) => (await alice.sdk.Logs({ app, lines: 1000 })).logs.map((l) => l.message);
  const send = (line: string) => tcp.write(`${line}\n`);
  const withToken = (app: string, token: string, message: string) => `<14>1 - - ${app} worker.1 - [deis token="${token}"] ${message}`;
  /** Sends `message` for `app` with its token until it lands (the log server has the token by then). */
  const landed = (app: string, token: string, message: string) =>
    eventually(`${message} in ${app}'s log`, async () => {
      send(withToken(app, token, message));
      return (await logOf(app)).includes(message) ? true : undefined;
    });

  beforeAll(async () => {
    t = await startTestPlatform({ backend: "embedded" });
    ({ client: alice } = await t.signUp("alice"));
    ({ client: bob } = await t.signUp("bob"));
    await alice.sdk.CreateApp({ name: victim });
    await bob.sdk.CreateApp({ name: bobs });
    const port = await eventually("the syslog receiver", async () => t.platform.logServer.syslogPort ?? undefined);
    tcp = connect(port, "127.0.0.1");
  });
  afterAll(async () => {
    tcp.destroy();
    await t.stop();
  });

  test("only the owner, collaborators and admins see the token; a stranger gets NOT_FOUND (as for no app) and no token", async () => {
    const { logIngest } = await alice.sdk.LogIngest({ app: victim });
    expect(logIngest).toMatchObject({ app: victim, host: "127.0.0.1", port: t.platform.config.syslogPort });
    expect(logIngest.token).toMatch(/^[0-9a-f]{64}$/);
    expect(logIngest.rfc5424Example).toContain(`[deis token="${logIngest.token}"]`);
    await expectApiError(bob.sdk.LogIngest({ app: victim }), "NOT_FOUND");
    await expectApiError(bob.sdk.RotateLogIngestToken({ app: victim }), "NOT_FOUND");
    expect((await alice.sdk.LogIngest({ app: victim })).logIngest.token).toBe(logIngest.token);
  });

  test("a collaborator taken off the app loses the token with the access: it is replaced", async () => {
    await alice.sdk.AddCollaborator({ app: victim, username: "bob" });
    const seen = (await bob.sdk.LogIngest({ app: victim })).logIngest.token;
    await alice.sdk.RemoveCollaborator({ app: victim, username: "bob" });
    const now = (await alice.sdk.LogIngest({ app: victim })).logIngest.token;
    expect(now).not.toBe(seen);
    await expectApiError(bob.sdk.LogIngest({ app: victim }), "NOT_FOUND");
    // Once the log server has the new token (a line with it lands), a line with the old one is dropped.
    await landed(victim, now, "with the replaced token");
    send(withToken(victim, seen, "from-a-former-collaborator"));
    send(withToken(victim, now, "after-removal"));
    await eventually("the line after", async () => ((await logOf(victim)).includes("after-removal") ? true : undefined));
    expect(await logOf(victim)).not.toContain("from-a-former-collaborator");
  });

  test("lines without a token, with another app's token or a wrong one are dropped and counted; the right token lands", async () => {
    const token = (await alice.sdk.LogIngest({ app: victim })).logIngest.token;
    const bobsToken = (await bob.sdk.LogIngest({ app: bobs })).logIngest.token;
    await landed(victim, token, "first good line");
    const dropped = t.platform.logServer.dropped;
    send(`<14>1 - - ${victim} worker.1 - - forged without a token`);
    send(`<13>Nov 24 10:00:00 ${victim}[worker.1]: forged rfc3164 without a token`);
    send(withToken(victim, bobsToken, "forged with bob's token"));
    send(`<14>1 - ${bobsToken} ${victim} worker.1 - - forged with bob's token as HOSTNAME`);
    send(withToken(victim, token.slice(0, 63), "forged with a near token"));
    send(`<13>Nov 24 10:00:00 ${token} ${victim}[cron]: rfc3164 with the token as HOSTNAME`);
    send(withToken(victim, token, "second good line"));
    await eventually("the second good line", async () => ((await logOf(victim)).includes("second good line") ? true : undefined));
    const log = await logOf(victim);
    expect(log.filter((m) => m.startsWith("forged"))).toEqual([]);
    expect(log).toContain("rfc3164 with the token as HOSTNAME");
    expect(t.platform.logServer.dropped).toBe(dropped + 5);
    // bob's token still works for bob's own app.
    await landed(bobs, bobsToken, "bob's own line");
  });

  test("after rotation the old token is dropped and the new one lands", async () => {
    const old = (await alice.sdk.LogIngest({ app: victim })).logIngest.token;
    const { rotateLogIngestToken } = await alice.sdk.RotateLogIngestToken({ app: victim });
    expect(rotateLogIngestToken.token).not.toBe(old);
    expect((await alice.sdk.LogIngest({ app: victim })).logIngest.token).toBe(rotateLogIngestToken.token);
    await landed(victim, rotateLogIngestToken.token, "with the new token");
    const dropped = t.platform.logServer.dropped;
    send(withToken(victim, old, "forged with the rotated-away token"));
    send(withToken(victim, rotateLogIngestToken.token, "after the old token"));
    await eventually("the line after", async () => ((await logOf(victim)).includes("after the old token") ? true : undefined));
    expect((await logOf(victim)).filter((m) => m.startsWith("forged"))).toEqual([]);
    expect(t.platform.logServer.dropped).toBe(dropped + 1);
  });
});
