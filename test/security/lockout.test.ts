import { request } from "node:http";
import { type TestPlatform, startTestPlatform } from "../harness/platform";

interface LoginAnswer {
  readonly code: string;
  readonly message?: string;
}

/**
 * Failed logins lock a (username, address) pair and, past five times the limit, an address; never
 * a username for everyone. Requests come from two loopback addresses (127.0.0.1 and 127.0.0.2:
 * Linux answers all of 127/8) by binding the client's end of the connection.
 */
describe("failed logins from one address do not lock the owner out from another", () => {
  let t: TestPlatform;
  const A = "127.0.0.1";
  const B = "127.0.0.2";

  beforeAll(async () => {
    t = await startTestPlatform();
    await t.signUp("alice", "alice-real-password");
    await t.signUp("bob", "bob-real-password");
  });
  afterAll(() => t.stop());

  /** Logs in over HTTP from `from`; OK or the error's code. */
  function login(from: string, username: string, password: string): Promise<LoginAnswer> {
    const body = JSON.stringify({
      query: "mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
      variables: { u: username, p: password },
    });
    return new Promise((resolve, reject) => {
      const req = request(t.url, { method: "POST", localAddress: from, headers: { "content-type": "application/json" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const answer = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
            data?: { login?: { token: string } };
            errors?: { message: string; extensions: { code: string } }[];
          };
          const error = answer.errors?.[0];
          resolve(error ? { code: error.extensions.code, message: error.message } : { code: answer.data?.login?.token ? "OK" : "NO_TOKEN" });
        });
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  test("11 wrong passwords for alice from A lock A out of alice; alice logs in from B; bob from A", async () => {
    for (let i = 0; i < 10; i++) expect(await login(A, "alice", `guess-${i}`)).toMatchObject({ code: "UNAUTHENTICATED" });
    const eleventh = await login(A, "alice", "guess-10");
    expect(eleventh.code).toBe("TOO_MANY_REQUESTS");
    expect(eleventh.message).toMatch(/too many failed logins from your address/);
    // Locked from A even with the right password...
    expect((await login(A, "alice", "alice-real-password")).code).toBe("TOO_MANY_REQUESTS");
    // ...but the owner, elsewhere, is not locked out, and a wrong guess from B is just wrong.
    expect((await login(B, "alice", "alice-real-password")).code).toBe("OK");
    expect((await login(B, "alice", "a-typo")).code).toBe("UNAUTHENTICATED");
    // Another account from A is not locked by alice's pair.
    expect((await login(A, "bob", "bob-real-password")).code).toBe("OK");
  });

  test("an address failing over many usernames is locked for all of them; other addresses are not", async () => {
    // A has 10 failures from the test above; the address limit is 5 x 10 = 50 (a shared NAT's room).
    for (let i = 0; i < 40; i++) expect((await login(A, `nobody-${i}`, "guess")).code).toBe("UNAUTHENTICATED");
    expect((await login(A, "bob", "bob-real-password")).code).toBe("TOO_MANY_REQUESTS");
    expect((await login(B, "bob", "bob-real-password")).code).toBe("OK");
  });
});
