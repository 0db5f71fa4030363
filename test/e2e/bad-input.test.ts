import type { DeisClient } from "../../src/sdk/client";
import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { dsaPublicKey, ed25519Key, rsaPublicKey } from "../harness/ssh-keys";

/**
 * Bad input through the generated SDK: each case must fail with the right GraphQL code and field,
 * say which rule it broke, and leave everything as it was (apps, releases, config, domains, keys,
 * collaborators, users).
 */
describe("bad input is refused, named, and changes nothing (postgres)", () => {
  let t: TestPlatform;
  let admin: DeisClient;
  let alice: DeisClient;
  let bob: DeisClient;
  const aliceKey = ed25519Key("alice@laptop");

  beforeAll(async () => {
    t = await startTestPlatform();
    ({ client: admin } = await t.signUp("root"));
    ({ client: alice } = await t.signUp("alice"));
    ({ client: bob } = await t.signUp("bob"));
    await t.signUp("carol");
    await alice.sdk.CreateApp({ name: "shop" });
    for (const [key, value] of [["FOO", "1"], ["BAR", "2"], ["BAZ", "3"]]) {
      await alice.sdk.SetConfig({ app: "shop", values: [{ key, value }] });
    }
    await alice.sdk.SetLimits({ app: "shop", memory: [{ type: "web", value: "256M" }] });
    await alice.sdk.AddDomain({ app: "shop", domain: "shop.example.com" });
    await alice.sdk.AddCollaborator({ app: "shop", username: "carol" });
    await alice.sdk.AddKey({ publicKey: aliceKey.publicKey });
    await bob.sdk.CreateApp({ name: "bobs" });
    await bob.sdk.AddDomain({ app: "bobs", domain: "taken.example.com" });
    // A release that failed to deploy: set directly, as the deployer would.
    await t.platform.dataSource.query(
      'UPDATE releases SET status = \'failed\' WHERE "appId" = (SELECT id FROM apps WHERE name = $1) AND version = $2',
      ["shop", 3],
    );
  });
  afterAll(() => t.stop());

  /** Everything a bad call could have touched, as the admin sees it. */
  async function snapshot() {
    const [apps, shop, config, releases, shopDomains, bobsDomains, collaborators, keys, users] = await Promise.all([
      admin.sdk.Apps({ first: 100 }),
      admin.sdk.App({ name: "shop" }),
      admin.sdk.Config({ app: "shop" }),
      admin.sdk.Releases({ app: "shop", first: 100 }),
      admin.sdk.Domains({ app: "shop" }),
      admin.sdk.Domains({ app: "bobs" }),
      admin.sdk.Collaborators({ app: "shop" }),
      alice.sdk.Keys({}),
      admin.sdk.Users({ first: 100 }),
    ]);
    return {
      apps: apps.apps.nodes.map((a) => `${a.name}:${a.owner.username}:v${a.latestRelease?.version}`),
      latest: shop.app.latestRelease?.version,
      config: { ...config.config, id: undefined, createdAt: undefined },
      releases: releases.releases.nodes.map((r) => `v${r.version}:${r.failed}`),
      domains: [...shopDomains.domains.nodes, ...bobsDomains.domains.nodes].map((d) => d.domain),
      collaborators: collaborators.collaborators.nodes.map((c) => c.user.username),
      keys: keys.keys.nodes.map((k) => k.fingerprint),
      users: users.users.nodes.map((u) => `${u.username}:${u.isAdmin}`),
    };
  }

  interface Case {
    readonly name: string;
    readonly call: () => Promise<unknown>;
    readonly code: string;
    /** The field named in extensions.field; omitted for codes that name none (NOT_FOUND, UNAUTHENTICATED). */
    readonly field?: string;
    /** What the message (and, for bad input, extensions.rule) must say. */
    readonly rule: RegExp;
  }

  const BAD = "BAD_USER_INPUT";
  const setConfig = (values: { key: string; value: string | null }[]) => alice.sdk.SetConfig({ app: "shop", values });
  const addDomain = (domain: string) => alice.sdk.AddDomain({ app: "shop", domain });
  const memory = (value: string, type = "web") => alice.sdk.SetLimits({ app: "shop", memory: [{ type, value }] });
  const cpu = (value: string) => alice.sdk.SetLimits({ app: "shop", cpu: [{ type: "web", value }] });
  const healthcheck = (input: Record<string, unknown>) => alice.sdk.SetHealthcheck({ app: "shop", healthcheck: input });
  const addKey = (publicKey: string, name?: string) => alice.sdk.AddKey({ publicKey, name });
  const register = (username: string, password = "correct-horse-battery", email?: string) =>
    t.client().sdk.Register({ input: { username, password, email } });
  const rollback = (version: number) => alice.sdk.Rollback({ app: "shop", version });
  const latestVersion = async () => (await alice.sdk.App({ name: "shop" })).app.latestRelease!.version;
  const APP_NAME_RULE = /lowercase letters, digits and hyphens, start with a letter and not end with a hyphen/;
  const KEY_RULE = /letters, digits and '_', and does not start with a digit/;
  const LABEL_RULE = /labels are letters, digits and inner hyphens/;
  const ed25519Blob = () => ed25519Key().publicKey.split(" ")[1];

  const cases: Case[] = [
    // app names
    { name: "app name in uppercase", call: () => alice.sdk.CreateApp({ name: "MyApp" }), code: BAD, field: "name", rule: APP_NAME_RULE },
    { name: "app name with a leading digit", call: () => alice.sdk.CreateApp({ name: "1app" }), code: BAD, field: "name", rule: APP_NAME_RULE },
    { name: "app name with a leading hyphen", call: () => alice.sdk.CreateApp({ name: "-app" }), code: BAD, field: "name", rule: APP_NAME_RULE },
    { name: "app name with a trailing hyphen", call: () => alice.sdk.CreateApp({ name: "app-" }), code: BAD, field: "name", rule: APP_NAME_RULE },
    { name: "app name of 64 characters", call: () => alice.sdk.CreateApp({ name: "a".repeat(64) }), code: BAD, field: "name", rule: /at most 63 characters/ },
    { name: "reserved app name deis", call: () => alice.sdk.CreateApp({ name: "deis" }), code: BAD, field: "name", rule: /"deis" is reserved/ },
    { name: "duplicate app name", call: () => bob.sdk.CreateApp({ name: "shop" }), code: "CONFLICT", field: "name", rule: /an app named "shop" already exists/ },
    { name: "empty app name", call: () => alice.sdk.CreateApp({ name: "" }), code: BAD, field: "name", rule: /must not be empty/ },
    // config keys and values
    { name: "config key 1ABC", call: () => setConfig([{ key: "1ABC", value: "x" }]), code: BAD, field: "values[0].key", rule: KEY_RULE },
    { name: "config key A-B", call: () => setConfig([{ key: "OK", value: "x" }, { key: "A-B", value: "x" }]), code: BAD, field: "values[1].key", rule: KEY_RULE },
    { name: "empty config key", call: () => setConfig([{ key: "", value: "x" }]), code: BAD, field: "values[0].key", rule: /a config key must not be empty/ },
    {
      name: "1,000 config keys in one call",
      call: () => setConfig(Array.from({ length: 1000 }, (_, i) => ({ key: `K${i}`, value: "x" }))),
      code: BAD, field: "values", rule: /at most 500 keys/,
    },
    { name: "a 1 MiB config value", call: () => setConfig([{ key: "BIG", value: "x".repeat(1024 * 1024) }]), code: BAD, field: "values.BIG", rule: /a value is at most 64 KiB/ },
    { name: "config key starting with DEIS_", call: () => setConfig([{ key: "DEIS_APP", value: "x" }]), code: BAD, field: "values[0].key", rule: /keys starting with DEIS_ are set by the platform/ },
    {
      name: "the same config key twice in one call",
      call: () => setConfig([{ key: "DUP", value: "1" }, { key: "DUP", value: "2" }]),
      code: BAD, field: "values.DUP", rule: /a key may appear only once per change/,
    },
    { name: "unsetting a config key that is not set", call: () => setConfig([{ key: "NOPE", value: null }]), code: BAD, field: "values.NOPE", rule: /cannot unset a key that is not set/ },
    { name: "a NUL character in a config value", call: () => setConfig([{ key: "NUL", value: "a\u0000b" }]), code: BAD, field: "values[0].value", rule: /must not contain NUL characters/ },
    { name: "PORT=abc", call: () => setConfig([{ key: "PORT", value: "abc" }]), code: BAD, field: "values.PORT", rule: /PORT must be a whole number from 1 to 65535/ },
    // domains
    { name: "wildcard-only domain *", call: () => addDomain("*"), code: BAD, field: "domain", rule: /a wildcard needs a domain after it/ },
    { name: "all-digit TLD example.123", call: () => addDomain("example.123"), code: BAD, field: "domain", rule: /top-level domain must not be all digits/ },
    { name: "empty label a..b", call: () => addDomain("a..b"), code: BAD, field: "domain", rule: /must not contain empty labels/ },
    {
      name: "domain of 254+ characters",
      call: () => addDomain(`${Array.from({ length: 4 }, () => "a".repeat(63)).join(".")}.com`),
      code: BAD, field: "domain", rule: /at most 253 characters/,
    },
    { name: "a 64-character label", call: () => addDomain(`${"a".repeat(64)}.example.com`), code: BAD, field: "domain", rule: /each label is at most 63 characters/ },
    { name: "an IPv4 address as a domain", call: () => addDomain("10.0.0.1"), code: BAD, field: "domain", rule: /not an IP address/ },
    { name: "an IPv6 address as a domain", call: () => addDomain("::1"), code: BAD, field: "domain", rule: /not an IP address/ },
    { name: "a domain under the platform domain", call: () => addDomain("x.localhost"), code: BAD, field: "domain", rule: /under the platform domain localhost/ },
    { name: "a domain another app uses", call: () => addDomain("Taken.Example.com"), code: "CONFLICT", field: "domain", rule: /taken\.example\.com is in use by another app/ },
    { name: "a wildcard inside a domain foo.*.com", call: () => addDomain("foo.*.com"), code: BAD, field: "domain", rule: /a wildcard may only be the whole first label/ },
    { name: "a label with an underscore", call: () => addDomain("my_shop.example.com"), code: BAD, field: "domain", rule: LABEL_RULE },
    // limits
    { name: "memory 12XB", call: () => memory("12XB"), code: BAD, field: "memory.web", rule: /memory is a number with an optional unit B, K, M or G/ },
    { name: "cpu -1", call: () => cpu("-1"), code: BAD, field: "cpu.web", rule: /cpu must be positive/ },
    { name: "cpu 0m", call: () => cpu("0m"), code: BAD, field: "cpu.web", rule: /cpu must be at least 10m/ },
    { name: "memory 1K, below 6M", call: () => memory("1K"), code: BAD, field: "memory.web", rule: /memory must be at least 6M/ },
    { name: "an invalid process type", call: () => memory("512M", "Web!"), code: BAD, field: "memory[0].type", rule: /a process type is 1-30 lowercase letters/ },
    { name: "empty memory and cpu lists", call: () => alice.sdk.SetLimits({ app: "shop", memory: [], cpu: [] }), code: BAD, field: "memory", rule: /at least one memory or cpu limit/ },
    // healthchecks
    { name: "healthcheck path without a leading slash", call: () => healthcheck({ path: "health" }), code: BAD, field: "path", rule: /must start with "\/"/ },
    { name: "healthcheck timeoutSeconds 0", call: () => healthcheck({ path: "/", timeoutSeconds: 0 }), code: BAD, field: "timeoutSeconds", rule: /whole number from 1 to 60/ },
    { name: "healthcheck failureThreshold 1000", call: () => healthcheck({ path: "/", failureThreshold: 1000 }), code: BAD, field: "failureThreshold", rule: /whole number from 1 to 60/ },
    // SSH keys
    { name: "a garbage SSH key", call: () => addKey("hello world"), code: BAD, field: "publicKey", rule: /must be an OpenSSH public key/ },
    { name: "a pasted PRIVATE key", call: () => addKey(ed25519Key().privateKeyPem), code: BAD, field: "publicKey", rule: /this is a PRIVATE key/ },
    { name: "a key already registered", call: () => addKey(aliceKey.publicKey, "again"), code: "CONFLICT", field: "publicKey", rule: /is already registered/ },
    { name: "a DSA key", call: () => addKey(dsaPublicKey()), code: BAD, field: "publicKey", rule: /DSA keys are insecure/ },
    { name: "a 1024-bit RSA key", call: () => addKey(rsaPublicKey(1024)), code: BAD, field: "publicKey", rule: /at least 2048 bits/ },
    { name: "two keys on two lines", call: () => addKey(`${ed25519Key().publicKey}\n${ed25519Key().publicKey}`), code: BAD, field: "publicKey", rule: /a single public key on one line/ },
    { name: "key data that is not the declared type", call: () => addKey(`ssh-rsa ${ed25519Blob()} x@y`), code: BAD, field: "publicKey", rule: /the key data is not an? ssh-rsa key/ },
    { name: "key data that is not base64", call: () => addKey("ssh-ed25519 not!base64 x@y"), code: BAD, field: "publicKey", rule: /the key data is not base64/ },
    { name: "a bad key name", call: () => addKey(ed25519Key().publicKey, "my key!"), code: BAD, field: "name", rule: /a key name is 1-128 letters, digits or/ },
    // accounts
    { name: "register with an empty username", call: () => register(""), code: BAD, field: "username", rule: /must not be empty/ },
    { name: "register a username with spaces", call: () => register("bob smith"), code: BAD, field: "username", rule: /letters, digits, '\.', '_' or '-'/ },
    { name: "register a username of 65 characters", call: () => register("a".repeat(65)), code: BAD, field: "username", rule: /at most 64 characters/ },
    { name: "register a password of 7 characters", call: () => register("dora", "1234567"), code: BAD, field: "password", rule: /at least 8 characters/ },
    { name: "register a taken username", call: () => register("Alice"), code: "CONFLICT", field: "username", rule: /username "alice" is taken/ },
    { name: "login with a wrong password", call: () => t.client().sdk.Login({ username: "alice", password: "not-her-password" }), code: "UNAUTHENTICATED", rule: /wrong username or password/ },
    // rollback
    { name: "rollback to v1", call: () => rollback(1), code: BAD, field: "version", rule: /cannot roll back to v1/ },
    { name: "rollback to a failed release", call: () => rollback(3), code: BAD, field: "version", rule: /v3 failed to deploy/ },
    { name: "rollback to a version that does not exist", call: () => rollback(99), code: BAD, field: "version", rule: /must be older than the current release v\d+/ },
    { name: "rollback to the current version", call: async () => rollback(await latestVersion()), code: BAD, field: "version", rule: /must be older than the current release/ },
    { name: "rollback to version 0", call: () => rollback(0), code: BAD, field: "version", rule: /must be a release number/ },
    { name: "rollback to version -1", call: () => rollback(-1), code: BAD, field: "version", rule: /must be a release number/ },
    // pagination
    { name: "first: 0", call: () => alice.sdk.Apps({ first: 0 }), code: BAD, field: "first", rule: /whole number from 1 to 100/ },
    { name: "first: 101", call: () => alice.sdk.Releases({ app: "shop", first: 101 }), code: BAD, field: "first", rule: /whole number from 1 to 100/ },
    { name: "a garbage after cursor", call: () => alice.sdk.Releases({ app: "shop", after: "garbage" }), code: BAD, field: "after", rule: /is not a cursor this list gave out/ },
    {
      name: "a cursor from a list of another shape",
      call: async () => {
        const { releases } = await alice.sdk.Releases({ app: "shop", first: 1 });
        return alice.sdk.Builds({ app: "shop", after: releases.pageInfo.endCursor });
      },
      code: BAD, field: "after", rule: /is not a cursor this list gave out/,
    },
    {
      name: "an apps cursor given to releases",
      call: async () => {
        const { apps } = await alice.sdk.Apps({ first: 1 });
        return alice.sdk.Releases({ app: "shop", after: apps.pageInfo.endCursor });
      },
      code: BAD, field: "after", rule: /is not a cursor this list gave out/,
    },
    { name: "a cursor holding a number too big for a version", call: () => alice.sdk.Releases({ app: "shop", after: Buffer.from("[1e20]").toString("base64url") }), code: BAD, field: "after", rule: /is not a cursor this list gave out/ },
    // tags
    { name: "no tags at all", call: () => alice.sdk.SetTags({ app: "shop", tags: [] }), code: BAD, field: "tags", rule: /at least one tag/ },
    { name: "the same tag twice", call: () => alice.sdk.SetTags({ app: "shop", tags: [{ key: "zone", value: "a" }, { key: "zone", value: "b" }] }), code: BAD, field: "tags.zone", rule: /only once per change/ },
    // ownership and collaborators
    { name: "transfer to an unknown user", call: () => alice.sdk.TransferApp({ name: "shop", to: "ghost" }), code: "NOT_FOUND", rule: /user "ghost" not found/ },
    { name: "transfer to the current owner", call: () => alice.sdk.TransferApp({ name: "shop", to: "alice" }), code: BAD, field: "to", rule: /alice already owns shop/ },
    { name: "the owner as a collaborator", call: () => alice.sdk.AddCollaborator({ app: "shop", username: "alice" }), code: BAD, field: "username", rule: /alice owns shop already/ },
    { name: "a collaborator twice", call: () => alice.sdk.AddCollaborator({ app: "shop", username: "carol" }), code: "CONFLICT", field: "username", rule: /carol is already a collaborator on shop/ },
    { name: "a collaborator who does not exist", call: () => alice.sdk.AddCollaborator({ app: "shop", username: "ghost" }), code: "NOT_FOUND", rule: /user "ghost" not found/ },
    { name: "removing a domain that is not there", call: () => alice.sdk.RemoveDomain({ app: "shop", domain: "nope.example.com" }), code: "NOT_FOUND", rule: /domain "nope\.example\.com" not found/ },
    { name: "config of an app that does not exist", call: () => alice.sdk.SetConfig({ app: "nope", values: [{ key: "A", value: "1" }] }), code: "NOT_FOUND", rule: /app "nope" not found/ },
    // a NUL in any argument (PostgreSQL text cannot hold one) is bad input naming that argument, never an internal error
    { name: "a NUL in a tag value", call: () => alice.sdk.SetTags({ app: "shop", tags: [{ key: "zone", value: "a\u0000" }] }), code: BAD, field: "tags[0].value", rule: /must not contain NUL characters/ },
    { name: "a NUL in a healthcheck path", call: () => healthcheck({ path: "/a\u0000b" }), code: BAD, field: "healthcheck.path", rule: /must not contain NUL characters/ },
    { name: "a NUL in an email", call: () => register("dora", "correct-horse-battery", "d\u0000@example.com"), code: BAD, field: "input.email", rule: /must not contain NUL characters/ },
    { name: "a NUL in a login username", call: () => t.client().sdk.Login({ username: "alice\u0000", password: "not-her-password" }), code: BAD, field: "username", rule: /must not contain NUL characters/ },
    { name: "a NUL in an app name", call: () => alice.sdk.SetConfig({ app: "sh\u0000op", values: [{ key: "A", value: "1" }] }), code: BAD, field: "app", rule: /must not contain NUL characters/ },
    { name: "a NUL in a key to remove", call: () => alice.sdk.RemoveKey({ key: "alice@laptop\u0000" }), code: BAD, field: "key", rule: /must not contain NUL characters/ },
    { name: "a NUL in a domain to remove", call: () => alice.sdk.RemoveDomain({ app: "shop", domain: "shop.example.com\u0000" }), code: BAD, field: "domain", rule: /must not contain NUL characters/ },
  ];

  test.each(cases)("$name -> $code", async ({ call, code, field, rule }) => {
    const state = await snapshot();
    const error = await expectApiError(call(), code, field);
    expect(error.message).toMatch(rule);
    if (code === BAD) {
      expect(error.rule).toMatch(rule);
      expect(error.message).toBe(`${field}: ${error.rule}`);
    }
    if (code === "CONFLICT") expect(error.rule).toBe("must be unique");
    expect(await snapshot()).toEqual(state);
  });

  test("the fixture is what the cases assume, and a good call still works afterwards", async () => {
    const state = await snapshot();
    expect(state.apps).toEqual(["bobs:bob:v1", "shop:alice:v5"]);
    expect(state.releases).toEqual(["v5:false", "v4:false", "v3:true", "v2:false", "v1:false"]);
    expect(state.config.values).toEqual([{ key: "BAR", value: "2" }, { key: "BAZ", value: "3" }, { key: "FOO", value: "1" }]);
    expect(state.domains).toEqual(["shop.example.com", "taken.example.com"]);
    expect(state.collaborators).toEqual(["carol"]);
    expect(state.keys).toHaveLength(1);
    expect(state.users).toEqual(["alice:false", "bob:false", "carol:false", "root:true"]);
    expect((await alice.sdk.Rollback({ app: "shop", version: 2 })).rollback.version).toBe(6);
  });
});
