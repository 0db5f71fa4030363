import type { DeisClient } from "../../src/sdk/client";
import { expectApiError } from "../harness/expect-error";
import { type Backend, type TestPlatform, startTestPlatform } from "../harness/platform";
import { ed25519Key } from "../harness/ssh-keys";

/**
 * The core journey through the API with the generated SDK, run on PostgreSQL + Redis and on the
 * embedded defaults (PGlite + in-process cache): the same assertions must hold on both.
 */
export function describeCoreSuite(backend: Backend): void {
  describe(`core API (${backend})`, () => {
    let t: TestPlatform;
    let admin: DeisClient;
    let alice: DeisClient;
    let aliceToken: string;

    beforeAll(async () => {
      t = await startTestPlatform({ backend });
      ({ client: admin } = await t.signUp("root"));
      ({ client: alice, token: aliceToken } = await t.signUp("alice"));
    });
    afterAll(() => t.stop());

    test("the first user is admin, the next is not", async () => {
      expect((await admin.sdk.Viewer()).viewer).toMatchObject({ username: "root", isAdmin: true });
      expect((await alice.sdk.Viewer()).viewer).toMatchObject({ username: "alice", isAdmin: false });
    });

    test("platform answers without login", async () => {
      const { platform } = await t.client().sdk.Platform();
      expect(platform).toEqual({ domain: "localhost", version: expect.any(String), registrationMode: "enabled" });
    });

    test("login returns a working token; logout revokes it", async () => {
      const { login } = await t.client().sdk.Login({ username: "ALICE", password: "correct-horse-battery" });
      expect(login.user.username).toBe("alice");
      const session = t.client(login.token);
      expect((await session.sdk.Viewer()).viewer.username).toBe("alice");
      expect(await session.sdk.Logout()).toEqual({ logout: true });
      await expectApiError(session.sdk.Viewer(), "UNAUTHENTICATED");
      expect((await alice.sdk.Viewer()).viewer.username).toBe("alice");
    });

    test("createApp makes v1; a random adjective-noun name when none is given", async () => {
      const { createApp } = await alice.sdk.CreateApp({ name: "core-app" });
      expect(createApp).toMatchObject({
        name: "core-app",
        url: `http://core-app.localhost:${t.platform.config.routerPort}`,
        owner: { username: "alice" },
        structure: [],
        latestRelease: { version: 1, summary: "alice created initial release", failed: false },
      });
      const random = (await alice.sdk.CreateApp({})).createApp;
      expect(random.name).toMatch(/^[a-z]+-[a-z]+(-\d+)?$/);
      expect(random.latestRelease?.version).toBe(1);
    });

    test("config changes make releases with summaries; set and unset in one call", async () => {
      const v2 = (await alice.sdk.SetConfig({ app: "core-app", values: [{ key: "FOO", value: "1" }, { key: "BAR", value: "2" }] })).setConfig;
      expect(v2).toMatchObject({ version: 2, summary: "alice added FOO, BAR" });
      const v3 = (await alice.sdk.SetConfig({ app: "core-app", values: [{ key: "FOO", value: "10" }, { key: "BAR", value: null }, { key: "BAZ", value: "3" }] })).setConfig;
      expect(v3).toMatchObject({ version: 3, summary: "alice added BAZ, changed FOO and removed BAR" });
      const { config } = await alice.sdk.Config({ app: "core-app" });
      expect(config.values).toEqual([{ key: "BAZ", value: "3" }, { key: "FOO", value: "10" }]);
      const same = (await alice.sdk.SetConfig({ app: "core-app", values: [{ key: "FOO", value: "10" }] })).setConfig;
      expect(same.version).toBe(3);
    });

    test("limits, healthchecks and tags each make a release", async () => {
      const limits = (await alice.sdk.SetLimits({ app: "core-app", memory: [{ type: "web", value: "512M" }], cpu: [{ type: "web", value: "500m" }] })).setLimits;
      expect(limits).toMatchObject({ version: 4, summary: "alice changed limits: web memory=512M, web cpu=500m" });
      const check = (await alice.sdk.SetHealthcheck({ app: "core-app", healthcheck: { path: "/health", timeoutSeconds: 3 } })).setHealthcheck;
      expect(check).toMatchObject({ version: 5, summary: "alice set the web healthcheck to GET /health" });
      const tags = (await alice.sdk.SetTags({ app: "core-app", tags: [{ key: "zone", value: "a" }] })).setTags;
      expect(tags).toMatchObject({ version: 6, summary: "alice added tag zone" });
      const { config } = await alice.sdk.Config({ app: "core-app" });
      expect(config.limits).toEqual([{ type: "web", memory: "512M", cpu: "500m" }]);
      expect(config.healthchecks).toEqual([
        { type: "web", path: "/health", initialDelaySeconds: 0, timeoutSeconds: 3, periodSeconds: 2, failureThreshold: 30 },
      ]);
      expect(config.tags).toEqual([{ key: "zone", value: "a" }]);
      const unset = (await alice.sdk.UnsetHealthcheck({ app: "core-app" })).unsetHealthcheck;
      expect(unset).toMatchObject({ version: 7, summary: "alice removed the web healthcheck" });
      const noMemory = (await alice.sdk.SetLimits({ app: "core-app", memory: [{ type: "web", value: null }] })).setLimits;
      expect(noMemory.version).toBe(8);
    });

    test("rollback copies an earlier release's config into latest+1", async () => {
      const { rollback } = await alice.sdk.Rollback({ app: "core-app", version: 2 });
      expect(rollback).toMatchObject({ version: 9, summary: "alice rolled back to v2" });
      const { config } = await alice.sdk.Config({ app: "core-app" });
      expect(config.values).toEqual([{ key: "BAR", value: "2" }, { key: "FOO", value: "1" }]);
      expect(config.limits).toEqual([]);
      const previous = (await alice.sdk.Rollback({ app: "core-app" })).rollback;
      expect(previous).toMatchObject({ version: 10, summary: "alice rolled back to v8" });
      const { release } = await alice.sdk.Release({ app: "core-app", version: 10 });
      expect(release.config.limits).toEqual([{ type: "web", memory: null, cpu: "500m" }]);
      expect(release.build).toBeNull();
    });

    test("releases list newest first, paginated", async () => {
      const first = (await alice.sdk.Releases({ app: "core-app", first: 4 })).releases;
      expect(first.nodes.map((r) => r.version)).toEqual([10, 9, 8, 7]);
      expect(first.totalCount).toBe(10);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const rest = (await alice.sdk.Releases({ app: "core-app", first: 100, after: first.pageInfo.endCursor })).releases;
      expect(rest.nodes.map((r) => r.version)).toEqual([6, 5, 4, 3, 2, 1]);
      expect(rest.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
    });

    test("domains: add, list, remove; scale, domains and perms make no release", async () => {
      const { addDomain } = await alice.sdk.AddDomain({ app: "core-app", domain: "WWW.Example.COM." });
      expect(addDomain.domain).toBe("www.example.com");
      await alice.sdk.AddDomain({ app: "core-app", domain: "*.example.org" });
      const { domains } = await alice.sdk.Domains({ app: "core-app" });
      expect(domains.nodes.map((d) => d.domain)).toEqual(["*.example.org", "www.example.com"]);
      expect(await alice.sdk.RemoveDomain({ app: "core-app", domain: "*.example.org" })).toEqual({ removeDomain: true });
      expect((await alice.sdk.App({ name: "core-app" })).app.latestRelease?.version).toBe(10);
    });

    test("collaborators work on the app but cannot destroy, transfer or manage perms", async () => {
      const { client: bob } = await t.signUp("bob");
      await expectApiError(bob.sdk.App({ name: "core-app" }), "NOT_FOUND");
      await alice.sdk.AddCollaborator({ app: "core-app", username: "bob" });
      expect((await alice.sdk.Collaborators({ app: "core-app" })).collaborators.nodes.map((c) => c.user.username)).toEqual(["bob"]);
      expect((await bob.sdk.Apps({})).apps.nodes.map((a) => a.name)).toEqual(["core-app"]);
      const release = (await bob.sdk.SetConfig({ app: "core-app", values: [{ key: "BOB", value: "yes" }] })).setConfig;
      expect(release).toMatchObject({ version: 11, summary: "bob added BOB", owner: { username: "bob" } });
      await expectApiError(bob.sdk.DestroyApp({ name: "core-app" }), "FORBIDDEN");
      await expectApiError(bob.sdk.TransferApp({ name: "core-app", to: "bob" }), "FORBIDDEN");
      await expectApiError(bob.sdk.AddCollaborator({ app: "core-app", username: "root" }), "FORBIDDEN");
      await alice.sdk.RemoveCollaborator({ app: "core-app", username: "bob" });
      await expectApiError(bob.sdk.App({ name: "core-app" }), "NOT_FOUND");
    });

    test("keys: add, list, remove", async () => {
      const key = ed25519Key("alice@laptop");
      const { addKey } = await alice.sdk.AddKey({ publicKey: key.publicKey });
      expect(addKey).toMatchObject({ name: "alice@laptop", type: "ssh-ed25519", fingerprint: expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/) });
      expect((await alice.sdk.Keys({})).keys.nodes.map((k) => k.name)).toEqual(["alice@laptop"]);
      expect(await alice.sdk.RemoveKey({ key: addKey.fingerprint })).toEqual({ removeKey: true });
      expect((await alice.sdk.Keys({})).keys.nodes).toEqual([]);
    });

    test("transfer hands the app over; the old owner loses access", async () => {
      const { client: carol } = await t.signUp("carol");
      await alice.sdk.CreateApp({ name: "gift" });
      const { transferApp } = await alice.sdk.TransferApp({ name: "gift", to: "carol" });
      expect(transferApp.owner.username).toBe("carol");
      await expectApiError(alice.sdk.App({ name: "gift" }), "NOT_FOUND");
      expect((await carol.sdk.App({ name: "gift" })).app.name).toBe("gift");
    });

    test("an admin sees every app and user, and grants and revokes admin", async () => {
      const names = (await admin.sdk.Apps({ first: 100 })).apps.nodes.map((a) => a.name);
      expect(names).toEqual(expect.arrayContaining(["core-app", "gift"]));
      const { users } = await admin.sdk.Users({ first: 2 });
      expect(users.nodes.map((u) => u.username)).toEqual(["alice", "bob"]);
      expect(users.totalCount).toBe(4);
      expect((await admin.sdk.GrantAdmin({ username: "alice" })).grantAdmin.isAdmin).toBe(true);
      expect((await alice.sdk.Users({})).users.totalCount).toBe(4);
      expect((await admin.sdk.RevokeAdmin({ username: "alice" })).revokeAdmin.isAdmin).toBe(false);
      await expectApiError(alice.sdk.Users({}), "FORBIDDEN");
    });

    test("changePassword keeps this token, revokes the others; regenerateToken revokes all", async () => {
      const { client: dave, token } = await t.signUp("dave");
      const other = t.client((await t.client().sdk.Login({ username: "dave", password: "correct-horse-battery" })).login.token);
      await dave.sdk.ChangePassword({ password: "correct-horse-battery", newPassword: "new-password-1" });
      expect((await dave.sdk.Viewer()).viewer.username).toBe("dave");
      await expectApiError(other.sdk.Viewer(), "UNAUTHENTICATED");
      await expectApiError(t.client().sdk.Login({ username: "dave", password: "correct-horse-battery" }), "UNAUTHENTICATED");
      const fresh = (await dave.sdk.RegenerateToken({})).regenerateToken;
      expect(fresh).not.toBe(token);
      await expectApiError(dave.sdk.Viewer(), "UNAUTHENTICATED");
      expect((await t.client(fresh).sdk.Viewer()).viewer.username).toBe("dave");
    });

    test("cancelAccount is refused while the user owns apps", async () => {
      const { client: erin } = await t.signUp("erin");
      await erin.sdk.CreateApp({ name: "erin-app" });
      const error = await expectApiError(erin.sdk.CancelAccount({}), "CONFLICT");
      expect(error.message).toContain("erin-app");
      expect(await erin.sdk.DestroyApp({ name: "erin-app" })).toEqual({ destroyApp: true });
      expect(await erin.sdk.CancelAccount({})).toEqual({ cancelAccount: true });
      await expectApiError(erin.sdk.Viewer(), "UNAUTHENTICATED");
    });

    test("destroyApp removes the app and everything under it", async () => {
      await alice.sdk.CreateApp({ name: "doomed" });
      await alice.sdk.AddDomain({ app: "doomed", domain: "doomed.example.com" });
      await alice.sdk.DestroyApp({ name: "doomed" });
      await expectApiError(alice.sdk.App({ name: "doomed" }), "NOT_FOUND");
      const again = (await alice.sdk.CreateApp({ name: "doomed" })).createApp;
      expect(again.latestRelease?.version).toBe(1);
      expect((await alice.sdk.AddDomain({ app: "doomed", domain: "doomed.example.com" })).addDomain.domain).toBe("doomed.example.com");
      void aliceToken;
    });
  });
}
