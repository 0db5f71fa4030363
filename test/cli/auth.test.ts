import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { sshKeygen } from "../harness/git";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { CliUser, registeredUser } from "./cli-harness";

/** deis register/login/logout/whoami, auth:*, keys, users and admin perms against a running platform. */
describe("deis: accounts, keys and users", () => {
  let t: TestPlatform;
  let alice: CliUser;

  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(() => t.stop());

  test("register: the first account is an admin; the token is kept in ~/.deis/client.json (0600)", async () => {
    alice = new CliUser();
    const result = await alice.ok(["register", t.url.replace(/\/graphql$/, ""), "--username", "alice", "--password", "correct-horse-battery", "--email", "alice@example.com"]);
    expect(result.stdout).toBe(`Registered alice (an admin: the first account on this platform)\nLogged in as alice at ${t.url}\n`);
    const settingsPath = join(alice.home, ".deis", "client.json");
    const settings = JSON.parse(readFileSync(settingsPath, "utf8"));
    expect(settings).toEqual({ url: t.url, token: expect.stringMatching(/^dts_/), username: "alice" });
    expect(statSync(settingsPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(alice.home, ".deis")).mode & 0o777).toBe(0o700);
  });

  test("register --json prints the token and user; a taken name is bad input with field and rule", async () => {
    const bob = new CliUser();
    const registered = await bob.ok(["register", t.url, "-u", "bob", "-p", "correct-horse-battery", "--json"]);
    expect(registered.json()).toEqual({ token: expect.stringMatching(/^dts_/), user: expect.objectContaining({ username: "bob", isAdmin: false }) });
    const taken = await new CliUser().run(["register", t.url, "-u", "bob", "-p", "another-long-password"]);
    expect(taken).toMatchObject({ code: 1, stdout: "" });
    expect(taken.stderr).toBe('Error: username "bob" is taken\n  rule:  must be unique\n');
    const short = await new CliUser().run(["register", t.url, "-u", "carl", "-p", "x"]);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/^Error: password: .+\n$/);
    const noUser = await new CliUser().run(["register", t.url]);
    expect(noUser.code).toBe(2);
    expect(noUser.stderr).toContain("Error: --username is required when there is no terminal to ask on");
  });

  test("whoami, human and --json", async () => {
    expect((await alice.ok(["whoami"])).stdout).toBe(`You are alice (admin) at ${t.url}\n`);
    expect((await alice.ok(["whoami", "--json"])).json()).toMatchObject({ username: "alice", email: "alice@example.com", isAdmin: true });
  });

  test("login: a wrong password exits 1; the right one saves a new token", async () => {
    const laptop = new CliUser();
    const wrong = await laptop.run(["login", t.url, "-u", "alice", "-p", "not-the-password"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^Error: .*(username or password|password).*\n/i);
    expect((await laptop.ok(["login", t.url, "-u", "alice", "-p", "correct-horse-battery"])).stdout).toBe(`Logged in as alice at ${t.url}\n`);
    expect((await laptop.ok(["login", t.url, "-u", "alice", "-p", "correct-horse-battery", "--json"])).json()).toMatchObject({ user: { username: "alice" } });
    expect((await laptop.ok(["whoami"])).stdout).toContain("You are alice");
  });

  test("logout revokes the token; then commands say to log in (exit 1)", async () => {
    const laptop = await registeredUser(t.url, "dave");
    const saved = JSON.parse(readFileSync(join(laptop.home, ".deis", "client.json"), "utf8"));
    expect((await laptop.ok(["logout"])).stdout).toBe("Logged out\n");
    expect(JSON.parse(readFileSync(join(laptop.home, ".deis", "client.json"), "utf8"))).toEqual({ url: t.url });
    const after = await laptop.run(["whoami"]);
    expect(after).toMatchObject({ code: 1, stdout: "" });
    expect(after.stderr).toBe("Error: log in first: this operation needs a valid token\nRun deis login to log in again (or set DEIS_TOKEN).\n");
    // The revoked token is refused even when given explicitly.
    const revoked = await laptop.run(["whoami"], { env: { DEIS_TOKEN: saved.token } });
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain("Run deis login");
    expect((await laptop.ok(["logout", "--json"])).json()).toEqual({ loggedOut: true });
  });

  test("DEIS_URL and DEIS_TOKEN work without any settings file", async () => {
    const token = JSON.parse(readFileSync(join(alice.home, ".deis", "client.json"), "utf8")).token as string;
    const ci = new CliUser({ DEIS_URL: t.url, DEIS_TOKEN: token });
    expect((await ci.ok(["whoami"])).stdout).toContain("You are alice");
  });

  test("keys:add takes ~/.ssh/id_ed25519.pub by default, or a path; keys lists; keys:remove", async () => {
    const none = await alice.run(["keys:add"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      `Error: no SSH public key in ${join(alice.home, ".ssh")} (looked for id_ed25519.pub, id_ecdsa.pub, id_rsa.pub)\nMake one with ssh-keygen -t ed25519, or give its path: deis keys:add <path>.\n`,
    );
    const laptop = sshKeygen("alice@laptop");
    mkdirSync(join(alice.home, ".ssh"));
    copyFileSync(`${laptop.privateKeyPath}.pub`, join(alice.home, ".ssh", "id_ed25519.pub"));
    const added = await alice.ok(["keys:add"]);
    expect(added.stdout).toMatch(new RegExp(`^Added key alice@laptop \\(SHA256:\\S+\\) from ${join(alice.home, ".ssh", "id_ed25519.pub")}\\n$`));
    const work = sshKeygen("alice@work");
    const json = (await alice.ok(["keys:add", `${work.privateKeyPath}.pub`, "--name", "work", "--json"])).json();
    expect(json).toMatchObject({ name: "work", type: "ssh-ed25519", fingerprint: expect.stringMatching(/^SHA256:/) });
    expect(work.publicKey.startsWith(json.publicKey)).toBe(true);
    const again = await alice.run(["keys:add", `${work.privateKeyPath}.pub`]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^Error: this key \(SHA256:\S+\) is already registered\n  field: publicKey\n  rule:  must be unique\n$/);
    const privateKey = await alice.run(["keys:add", work.privateKeyPath]);
    expect(privateKey.stderr).toBe(`Error: ${work.privateKeyPath} is a private key\nGive the public key: the same path ending in .pub.\n`);
    const listed = await alice.ok(["keys"]);
    expect(listed.stdout).toMatch(/^=== alice Keys\nNAME +TYPE +FINGERPRINT +ADDED\n/);
    expect(listed.stdout).toMatch(/alice@laptop +ssh-ed25519 +SHA256:/);
    expect((await alice.ok(["keys", "--json"])).json().map((k: { name: string }) => k.name).sort()).toEqual(["alice@laptop", "work"]);
    expect((await alice.ok(["keys:remove", "work"])).stdout).toBe("Removed key work\n");
    const gone = await alice.run(["keys:remove", "work"]);
    expect(gone).toMatchObject({ code: 1 });
    expect(gone.stderr).toBe('Error: key "work" not found\n');
  });

  test("auth:passwd changes the password: the old one no longer logs in", async () => {
    const erin = await registeredUser(t.url, "erin");
    const wrong = await erin.run(["auth:passwd", "--password", "not-it", "--new-password", "a-new-long-password"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe("Error: password: is not your current password\n");
    expect((await erin.ok(["auth:passwd", "--password", "correct-horse-battery", "--new-password", "a-new-long-password"])).stdout).toContain("Password changed");
    expect((await erin.ok(["whoami"])).stdout).toContain("You are erin"); // this computer's token still works
    expect((await new CliUser().run(["login", t.url, "-u", "erin", "-p", "correct-horse-battery"])).code).toBe(1);
    await new CliUser().ok(["login", t.url, "-u", "erin", "-p", "a-new-long-password"]);
  });

  test("auth:regenerate: yours is saved and the old one stops working; an admin gets another user's", async () => {
    const frank = await registeredUser(t.url, "frank");
    const before = JSON.parse(readFileSync(join(frank.home, ".deis", "client.json"), "utf8")).token;
    expect((await frank.ok(["auth:regenerate"])).stdout).toContain("Token regenerated and saved");
    const after = JSON.parse(readFileSync(join(frank.home, ".deis", "client.json"), "utf8")).token;
    expect(after).not.toBe(before);
    expect((await frank.ok(["whoami"])).stdout).toContain("You are frank");
    expect((await frank.run(["whoami"], { env: { DEIS_TOKEN: before } })).code).toBe(1);
    const { token } = (await alice.ok(["auth:regenerate", "--username", "frank", "--json"])).json();
    expect(token).toMatch(/^dts_/);
    expect((await frank.run(["whoami"])).code).toBe(1);
    expect((await frank.ok(["whoami"], { env: { DEIS_TOKEN: token } })).stdout).toContain("You are frank");
    const notAdmin = await frank.run(["auth:regenerate", "--username", "alice"], { env: { DEIS_TOKEN: token } });
    expect(notAdmin.code).toBe(1);
  });

  test("auth:cancel needs --confirm with the username; then the account is gone", async () => {
    const gina = await registeredUser(t.url, "gina");
    const unconfirmed = await gina.run(["auth:cancel"]);
    expect(unconfirmed).toMatchObject({ code: 1 });
    expect(unconfirmed.stderr).toBe("Error: deleting the account gina needs confirming\nRun it again with --confirm gina.\n");
    expect((await gina.run(["auth:cancel", "--confirm", "alice"])).stderr).toContain("--confirm alice does not match the account gina");
    expect((await gina.ok(["auth:cancel", "--confirm", "gina"])).stdout).toBe("Account gina deleted\n");
    expect((await gina.run(["whoami"])).code).toBe(1);
    const hank = await registeredUser(t.url, "hank");
    expect((await alice.ok(["auth:cancel", "--username", "hank", "--confirm", "hank", "--json"])).json()).toEqual({ cancelled: "hank" });
    expect((await hank.run(["whoami"])).code).toBe(1);
  });

  test("users (admins only): a table, --json; FORBIDDEN for others", async () => {
    const listed = await alice.ok(["users"]);
    expect(listed.stdout).toMatch(/^=== Users\nUSERNAME +EMAIL +ADMIN +CREATED\n/);
    expect(listed.stdout).toMatch(/^alice +alice@example\.com +yes +\d{4}-/m);
    expect(listed.stdout).toMatch(/^bob +- +no +/m);
    const users = (await alice.ok(["users", "--json"])).json();
    expect(users.find((u: { username: string }) => u.username === "alice")).toMatchObject({ isAdmin: true, email: "alice@example.com" });
    const bob = new CliUser();
    await bob.ok(["login", t.url, "-u", "bob", "-p", "correct-horse-battery"]);
    const forbidden = await bob.run(["users"]);
    expect(forbidden).toMatchObject({ code: 1, stdout: "" });
    expect(forbidden.stderr).toMatch(/^Error: .*admin.*\n$/);
  });

  test("perms --admin lists admins; perms:create/delete --admin grant and revoke it", async () => {
    expect((await alice.ok(["perms:create", "bob", "--admin"])).stdout).toBe("bob is now an admin\n");
    expect((await alice.ok(["perms", "--admin"])).stdout).toBe("=== Administrators\nalice\nbob\n");
    expect((await alice.ok(["perms", "--admin", "--json"])).json().map((u: { username: string }) => u.username)).toEqual(["alice", "bob"]);
    expect((await alice.ok(["perms:delete", "bob", "--admin", "--json"])).json()).toMatchObject({ username: "bob", isAdmin: false });
    const missing = await alice.run(["perms:create", "nobody", "--admin"]);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toBe('Error: user "nobody" not found\n');
  });
});
