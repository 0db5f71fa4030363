import type { DeisClient, DeisSdk } from "../../src/sdk/client";
import { expectApiError } from "../harness/expect-error";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { ed25519Key } from "../harness/ssh-keys";

/**
 * Who may call what: every operation in schema/operations, for each role, through the generated SDK.
 * Each case gets an app of its own (owned by `owner`, with `collaborator` on it), so an allowed
 * mutation never changes what the next case sees.
 */
type Role = "anonymous" | "stranger" | "collaborator" | "owner" | "admin";
type Outcome = "ok" | "UNAUTHENTICATED" | "FORBIDDEN" | "CONFLICT" | "BAD_USER_INPUT" | "NOT_FOUND";
const ROLES: readonly Role[] = ["anonymous", "stranger", "collaborator", "owner", "admin"];
const PASSWORD = "correct-horse-battery";

/** What one case works on. */
interface Scene {
  readonly role: Role;
  /** The caller. */
  readonly sdk: DeisSdk;
  /** The app's owner, for setting up. */
  readonly owner: DeisSdk;
  /** A fresh app, owned by `owner`, with the shared collaborator on it. */
  readonly app: string;
  /** A fresh bystander user (only when the operation asks for one). */
  readonly other: string;
}

interface Operation {
  readonly name: string;
  readonly expected: Readonly<Record<Role, Outcome>>;
  readonly call: (sdk: DeisSdk, app: string, scene: Scene) => Promise<unknown>;
  /** Runs before the call (as `scene.owner` or the caller), to make the state the call needs. */
  readonly setup?: (scene: Scene) => Promise<unknown>;
  /** The call spends the caller's session or account: give the role a user of its own. */
  readonly ownCaller?: boolean;
  /** The call needs a bystander user. */
  readonly other?: boolean;
}

const OPEN: Record<Role, Outcome> = { anonymous: "ok", stranger: "ok", collaborator: "ok", owner: "ok", admin: "ok" };
const ANY_USER: Record<Role, Outcome> = { ...OPEN, anonymous: "UNAUTHENTICATED" };
/** A stranger gets what a nonexistent app gets: the app's existence is not theirs to learn. */
const APP_WORK: Record<Role, Outcome> = { ...ANY_USER, stranger: "NOT_FOUND" };
const OWNER_ONLY: Record<Role, Outcome> = { ...APP_WORK, collaborator: "FORBIDDEN" };
const ADMIN_ONLY: Record<Role, Outcome> = { ...ANY_USER, stranger: "FORBIDDEN", collaborator: "FORBIDDEN", owner: "FORBIDDEN" };
/** App work that gets past authorization and is then refused for the app's state (no build, bad input). */
const APP_WORK_REFUSED = (outcome: Outcome): Record<Role, Outcome> => ({ ...APP_WORK, collaborator: outcome, owner: outcome, admin: outcome });

let serial = 0;
/** The hook each case's setup added, by app. */
const hookIds = new Map<string, string>();
const unique = (prefix: string) => `${prefix}${++serial}`;

const OPERATIONS: readonly Operation[] = [
  // open to everyone
  { name: "Platform", expected: OPEN, call: (sdk) => sdk.Platform() },
  { name: "PlatformStatus", expected: OPEN, call: (sdk) => sdk.PlatformStatus() },
  { name: "Register", expected: OPEN, call: (sdk) => sdk.Register({ input: { username: unique("reg"), password: PASSWORD } }) },
  { name: "Login", expected: OPEN, call: (sdk) => sdk.Login({ username: "loginee", password: PASSWORD }) },
  // any logged-in user, on their own account
  { name: "Viewer", expected: ANY_USER, call: (sdk) => sdk.Viewer() },
  { name: "Logout", expected: ANY_USER, ownCaller: true, call: (sdk) => sdk.Logout() },
  { name: "ChangePassword", expected: ANY_USER, ownCaller: true, call: (sdk) => sdk.ChangePassword({ password: PASSWORD, newPassword: "another-password" }) },
  { name: "RegenerateToken (self)", expected: ANY_USER, ownCaller: true, call: (sdk) => sdk.RegenerateToken({}) },
  // allowed for the owner too, who then meets the rule that an account owning apps stays
  { name: "CancelAccount (self)", expected: { ...ANY_USER, owner: "CONFLICT" }, ownCaller: true, call: (sdk) => sdk.CancelAccount({}) },
  { name: "Keys", expected: ANY_USER, call: (sdk) => sdk.Keys({}) },
  { name: "AddKey", expected: ANY_USER, call: (sdk) => sdk.AddKey({ publicKey: ed25519Key().publicKey, name: unique("key") }) },
  {
    name: "RemoveKey", expected: ANY_USER, call: (sdk) => sdk.RemoveKey({ key: "spare" }),
    setup: (s) => (s.role === "anonymous" ? Promise.resolve() : s.sdk.AddKey({ publicKey: ed25519Key().publicKey, name: "spare" })),
  },
  { name: "Apps", expected: ANY_USER, call: (sdk) => sdk.Apps({}) },
  { name: "CreateApp", expected: ANY_USER, call: (sdk) => sdk.CreateApp({ name: unique("new") }) },
  // admins only
  { name: "Users", expected: ADMIN_ONLY, call: (sdk) => sdk.Users({}) },
  { name: "PlatformNodes", expected: ADMIN_ONLY, call: (sdk) => sdk.PlatformNodes() },
  { name: "GrantAdmin", expected: ADMIN_ONLY, other: true, call: (sdk, _app, s) => sdk.GrantAdmin({ username: s.other }) },
  // "enabled" is the mode the platform starts in: the cases that register keep working.
  { name: "SetRegistrationMode", expected: ADMIN_ONLY, call: (sdk) => sdk.SetRegistrationMode({ mode: "enabled" }) },
  { name: "RevokeAdmin", expected: ADMIN_ONLY, other: true, call: (sdk, _app, s) => sdk.RevokeAdmin({ username: s.other }) },
  { name: "RegenerateToken (another user)", expected: ADMIN_ONLY, other: true, call: (sdk, _app, s) => sdk.RegenerateToken({ username: s.other }) },
  { name: "CancelAccount (another user)", expected: ADMIN_ONLY, other: true, call: (sdk, _app, s) => sdk.CancelAccount({ username: s.other }) },
  // work on an app: collaborators, the owner and admins
  { name: "App", expected: APP_WORK, call: (sdk, app) => sdk.App({ name: app }) },
  { name: "Config", expected: APP_WORK, call: (sdk, app) => sdk.Config({ app }) },
  { name: "Releases", expected: APP_WORK, call: (sdk, app) => sdk.Releases({ app }) },
  { name: "Release", expected: APP_WORK, call: (sdk, app) => sdk.Release({ app, version: 1 }) },
  { name: "Builds", expected: APP_WORK, call: (sdk, app) => sdk.Builds({ app }) },
  { name: "Domains", expected: APP_WORK, call: (sdk, app) => sdk.Domains({ app }) },
  { name: "Collaborators", expected: APP_WORK, call: (sdk, app) => sdk.Collaborators({ app }) },
  { name: "SetConfig", expected: APP_WORK, call: (sdk, app) => sdk.SetConfig({ app, values: [{ key: "FOO", value: "bar" }] }) },
  { name: "SetLimits", expected: APP_WORK, call: (sdk, app) => sdk.SetLimits({ app, memory: [{ type: "web", value: "256M" }] }) },
  { name: "SetHealthcheck", expected: APP_WORK, call: (sdk, app) => sdk.SetHealthcheck({ app, healthcheck: { path: "/health" } }) },
  {
    name: "UnsetHealthcheck", expected: APP_WORK, call: (sdk, app) => sdk.UnsetHealthcheck({ app }),
    setup: (s) => s.owner.SetHealthcheck({ app: s.app, healthcheck: { path: "/" } }),
  },
  { name: "SetTags", expected: APP_WORK, call: (sdk, app) => sdk.SetTags({ app, tags: [{ key: "zone", value: "a" }] }) },
  {
    name: "Rollback", expected: APP_WORK, call: (sdk, app) => sdk.Rollback({ app, version: 2 }),
    setup: async (s) => {
      await s.owner.SetConfig({ app: s.app, values: [{ key: "V", value: "2" }] });
      await s.owner.SetConfig({ app: s.app, values: [{ key: "V", value: "3" }] });
    },
  },
  { name: "AddDomain", expected: APP_WORK, call: (sdk, app) => sdk.AddDomain({ app, domain: `${app}.example.org` }) },
  {
    name: "RemoveDomain", expected: APP_WORK, call: (sdk, app) => sdk.RemoveDomain({ app, domain: `${app}.example.com` }),
    setup: (s) => s.owner.AddDomain({ app: s.app, domain: `${s.app}.example.com` }),
  },
  // maintenance and access rules at the router (test/e2e/access.test.ts shows them working)
  { name: "AppAccess", expected: APP_WORK, call: (sdk, app) => sdk.AppAccess({ app }) },
  { name: "SetMaintenance", expected: APP_WORK, call: (sdk, app) => sdk.SetMaintenance({ app, on: true }) },
  { name: "SetAllowList", expected: APP_WORK, call: (sdk, app) => sdk.SetAllowList({ app, cidrs: ["10.0.0.0/8"] }) },
  { name: "SetBasicAuth", expected: APP_WORK, call: (sdk, app) => sdk.SetBasicAuth({ app, username: "guest", password: PASSWORD }) },
  { name: "RemoveBasicAuth", expected: APP_WORK, call: (sdk, app) => sdk.RemoveBasicAuth({ app }) },
  // processes and builds: the runtime tests show these working; here, that authorization comes first
  { name: "Processes", expected: APP_WORK, call: (sdk, app) => sdk.Processes({ app }) },
  { name: "ProcessUsage", expected: APP_WORK, call: (sdk, app) => sdk.ProcessUsage({ app }) },
  { name: "Scale", expected: APP_WORK_REFUSED("CONFLICT"), call: (sdk, app) => sdk.Scale({ app, processes: [{ type: "web", count: 2 }] }) },
  { name: "Restart", expected: APP_WORK_REFUSED("BAD_USER_INPUT"), call: (sdk, app) => sdk.Restart({ app }) },
  { name: "Run", expected: APP_WORK_REFUSED("CONFLICT"), call: (sdk, app) => sdk.Run({ app, command: "true" }) },
  { name: "RunDetached", expected: APP_WORK_REFUSED("CONFLICT"), call: (sdk, app) => sdk.RunDetached({ app, command: "true" }) },
  { name: "StopOneOff", expected: APP_WORK_REFUSED("NOT_FOUND"), call: (sdk, app) => sdk.StopOneOff({ app, name: "run.1234" }) },
  { name: "DeployImage", expected: APP_WORK_REFUSED("BAD_USER_INPUT"), call: (sdk, app) => sdk.DeployImage({ app, image: "no-such-image:1" }) },
  { name: "Certificates", expected: APP_WORK, call: (sdk, app) => sdk.Certificates({ app }) },
  { name: "AddCertificate", expected: APP_WORK_REFUSED("BAD_USER_INPUT"), call: (sdk, app) => sdk.AddCertificate({ app, name: "c", certificate: "x", key: "y" }) },
  { name: "RemoveCertificate", expected: APP_WORK_REFUSED("NOT_FOUND"), call: (sdk, app) => sdk.RemoveCertificate({ app, name: "none" }) },
  // logs
  { name: "Logs", expected: APP_WORK, call: (sdk, app) => sdk.Logs({ app }) },
  { name: "LogDrains", expected: APP_WORK, call: (sdk, app) => sdk.LogDrains({ app }) },
  { name: "AddLogDrain", expected: APP_WORK, call: (sdk, app) => sdk.AddLogDrain({ app, url: "syslog://127.0.0.1:514" }) },
  { name: "LogIngest", expected: APP_WORK, call: (sdk, app) => sdk.LogIngest({ app }) },
  { name: "RotateLogIngestToken", expected: APP_WORK, call: (sdk, app) => sdk.RotateLogIngestToken({ app }) },
  { name: "RemoveLogDrain", expected: APP_WORK_REFUSED("NOT_FOUND"), call: (sdk, app) => sdk.RemoveLogDrain({ app, url: "syslog://nowhere:514" }) },
  // deploy hooks and the audit trail
  { name: "Hooks", expected: APP_WORK, call: (sdk, app) => sdk.Hooks({ app }) },
  // The target is on loopback, which hooks reach only where the operator allows it (DEIS_DRAINS_ALLOW, below).
  { name: "AddHook", expected: APP_WORK, call: (sdk, app) => sdk.AddHook({ app, url: "http://127.0.0.1:9/hook" }) },
  {
    name: "RemoveHook", expected: APP_WORK, call: (sdk, app) => sdk.RemoveHook({ app, hook: hookIds.get(app)! }),
    setup: async (s) => hookIds.set(s.app, (await s.owner.AddHook({ app: s.app, url: "http://127.0.0.1:9/spare" })).addHook.hook.id),
  },
  {
    name: "HookDeliveries", expected: APP_WORK, call: (sdk, app) => sdk.HookDeliveries({ app, hook: hookIds.get(app)! }),
    setup: async (s) => hookIds.set(s.app, (await s.owner.AddHook({ app: s.app, url: "http://127.0.0.1:9/spare" })).addHook.hook.id),
  },
  { name: "Audit (app)", expected: APP_WORK, call: (sdk, app) => sdk.Audit({ app }) },
  { name: "Audit (platform)", expected: ADMIN_ONLY, call: (sdk) => sdk.Audit({}) },
  // scheduled jobs and volumes: like config, the owner, collaborators and admins
  { name: "CronJobs", expected: APP_WORK, call: (sdk, app) => sdk.CronJobs({ app }) },
  { name: "AddCronJob", expected: APP_WORK, call: (sdk, app) => sdk.AddCronJob({ app, schedule: "0 3 * * *", command: "true" }) },
  { name: "RemoveCronJob", expected: APP_WORK_REFUSED("NOT_FOUND"), call: (sdk, app) => sdk.RemoveCronJob({ app, id: "00000000" }) },
  { name: "Volumes", expected: APP_WORK, call: (sdk, app) => sdk.Volumes({ app }) },
  { name: "AddVolume", expected: APP_WORK, call: (sdk, app) => sdk.AddVolume({ app, name: "data", path: "/data" }) },
  { name: "RemoveVolume", expected: APP_WORK_REFUSED("NOT_FOUND"), call: (sdk, app) => sdk.RemoveVolume({ app, name: "none" }) },
  // the app's owner and admins only
  { name: "AddCollaborator", expected: OWNER_ONLY, other: true, call: (sdk, app, s) => sdk.AddCollaborator({ app, username: s.other }) },
  {
    name: "RemoveCollaborator", expected: OWNER_ONLY, other: true, call: (sdk, app, s) => sdk.RemoveCollaborator({ app, username: s.other }),
    setup: (s) => s.owner.AddCollaborator({ app: s.app, username: s.other }),
  },
  { name: "TransferApp", expected: OWNER_ONLY, other: true, call: (sdk, app, s) => sdk.TransferApp({ name: app, to: s.other }) },
  { name: "RenameApp", expected: OWNER_ONLY, call: (sdk, app) => sdk.RenameApp({ app, name: unique(`${app}-renamed-`) }) },
  { name: "DestroyApp", expected: OWNER_ONLY, call: (sdk, app) => sdk.DestroyApp({ name: app }) },
];

describe("authorization matrix (postgres)", () => {
  let t: TestPlatform;
  let root: DeisClient;
  const shared = {} as Record<Exclude<Role, "anonymous">, DeisClient>;

  beforeAll(async () => {
    // AddLogDrain's and AddHook's targets are on loopback, which drains and hooks reach only where the operator allows it.
    t = await startTestPlatform({ env: { DEIS_DRAINS_ALLOW: "127.0.0.1/32" } });
    ({ client: root } = await t.signUp("root")); // the first account is the admin
    shared.admin = root;
    for (const role of ["stranger", "collaborator", "owner"] as const) shared[role] = (await t.signUp(role)).client;
    await t.signUp("loginee");
  });
  afterAll(() => t.stop());

  /** A user of its own for `role` on `app` (which it then owns, for the owner). */
  async function ownCaller(role: Role, app: string): Promise<{ sdk: DeisSdk; owner: DeisSdk }> {
    const owner = shared.owner.sdk;
    if (role === "anonymous") return { sdk: t.client().sdk, owner };
    const username = unique(role);
    const { client } = await t.signUp(username);
    if (role === "collaborator") await owner.AddCollaborator({ app, username });
    if (role === "admin") await root.sdk.GrantAdmin({ username });
    if (role === "owner") {
      await owner.TransferApp({ name: app, to: username });
      return { sdk: client.sdk, owner: client.sdk };
    }
    return { sdk: client.sdk, owner };
  }

  async function arrange(role: Role, op: Operation): Promise<Scene> {
    const app = unique("app");
    await shared.owner.sdk.CreateApp({ name: app });
    await shared.owner.sdk.AddCollaborator({ app, username: "collaborator" });
    const other = op.other ? unique("other") : "nobody";
    if (op.other) await t.signUp(other);
    const caller = op.ownCaller
      ? await ownCaller(role, app)
      : { sdk: role === "anonymous" ? t.client().sdk : shared[role].sdk, owner: shared.owner.sdk };
    const scene: Scene = { role, app, other, ...caller };
    await op.setup?.(scene);
    return scene;
  }

  /** What a refused call must not have changed, as an admin sees it. */
  async function appState(app: string) {
    const [{ app: found }, { domains }, { collaborators }, { users }] = await Promise.all([
      root.sdk.App({ name: app }),
      root.sdk.Domains({ app }),
      root.sdk.Collaborators({ app }),
      root.sdk.Users({ first: 100 }),
    ]);
    return {
      owner: found.owner.username,
      latest: found.latestRelease?.version,
      domains: domains.nodes.map((d) => d.domain),
      collaborators: collaborators.nodes.map((c) => c.user.username),
      users: users.nodes.map((u) => `${u.username}:${u.isAdmin}`),
    };
  }

  const cases = ROLES.flatMap((role) =>
    OPERATIONS.map((op) => ({ role, operation: op.name, outcome: op.expected[role], op })),
  );

  test.each(cases)("$role: $operation -> $outcome", async ({ role, outcome, op }) => {
    const scene = await arrange(role, op);
    const call = () => op.call(scene.sdk, scene.app, scene);
    if (outcome === "ok") {
      const result = (await call()) as Record<string, unknown>;
      expect(Object.values(result)[0]).toBeTruthy();
      return;
    }
    const before = await appState(scene.app);
    const error = await expectApiError(call(), outcome);
    const reason: Record<Exclude<Outcome, "ok">, RegExp> = {
      UNAUTHENTICATED: /log in first/,
      FORBIDDEN: /only the owner of|only an admin may/,
      CONFLICT: /still owns apps|has no build yet|has nothing deployed yet/,
      BAD_USER_INPUT: /no running process|no image no-such-image:1|must be a PEM certificate/,
      NOT_FOUND: role === "stranger" ? new RegExp(`^app "${scene.app}" not found$`) : /certificate "none" not found|log drain "syslog:\/\/nowhere:514" not found|process "run.1234" not found|cron job "00000000" not found|volume "none" not found/,
    };
    expect(error.message).toMatch(reason[outcome]);
    expect(await appState(scene.app)).toEqual(before);
  });

  test("the matrix covers every operation the SDK has", () => {
    const subscriptions = new Set(["AppEvents", "BuildLogs", "LogTail", "LogBatches", "ProcessMetrics"]);
    const sdkOperations = Object.keys(shared.owner.sdk).filter((name) => !subscriptions.has(name));
    const covered = new Set(OPERATIONS.map((op) => op.name.replace(/ \(.*\)$/, "")));
    expect([...covered].sort()).toEqual(sdkOperations.sort());
  });

  describe("ProcessMetrics subscription", () => {
    const firstSample = (sdk: DeisSdk, app: string) => sdk.ProcessMetrics({ app })[Symbol.asyncIterator]();

    test.each([
      ["anonymous", "UNAUTHENTICATED", /log in first/],
      ["stranger", "NOT_FOUND", /^app "met\d+" not found$/],
    ] as const)("%s is refused with %s", async (role, code, reason) => {
      const app = unique("met");
      await shared.owner.sdk.CreateApp({ name: app });
      const sdk = role === "anonymous" ? t.client().sdk : shared.stranger.sdk;
      const error = await expectApiError(firstSample(sdk, app).next(), code);
      expect(error.message).toMatch(reason);
    });

    test.each(["collaborator", "owner", "admin"] as const)("%s receives a sample at once", async (role) => {
      const app = unique("met");
      await shared.owner.sdk.CreateApp({ name: app });
      await shared.owner.sdk.AddCollaborator({ app, username: "collaborator" });
      const samples = firstSample(shared[role].sdk, app);
      const first = await samples.next();
      await samples.return?.();
      expect(first.value?.processMetrics).toMatchObject({ app, processes: [] });
    });
  });

  describe("AppEvents subscription", () => {
    const firstEvent = (sdk: DeisSdk, app: string) => sdk.AppEvents({ app })[Symbol.asyncIterator]();

    test.each([
      ["anonymous", "UNAUTHENTICATED", /log in first/],
      ["stranger", "NOT_FOUND", /^app "sub\d+" not found$/],
    ] as const)("%s is refused with %s", async (role, code, reason) => {
      const app = unique("sub");
      await shared.owner.sdk.CreateApp({ name: app });
      const sdk = role === "anonymous" ? t.client().sdk : shared.stranger.sdk;
      const error = await expectApiError(firstEvent(sdk, app).next(), code);
      expect(error.message).toMatch(reason);
    });

    test.each(["collaborator", "owner", "admin"] as const)("%s receives the app's events", async (role) => {
      const app = unique("sub");
      await shared.owner.sdk.CreateApp({ name: app });
      await shared.owner.sdk.AddCollaborator({ app, username: "collaborator" });
      const events = firstEvent(shared[role].sdk, app);
      const next = events.next();
      // The subscription goes live a moment after it is asked for: change config until an event arrives.
      let received: IteratorResult<{ appEvents: { app: string; actor: string } }> | null = null;
      for (let i = 0; i < 50 && !received; i++) {
        await shared.owner.sdk.SetConfig({ app, values: [{ key: "TICK", value: String(i) }] });
        received = await Promise.race([next, new Promise<null>((resolve) => setTimeout(() => resolve(null), 100))]);
      }
      if (received) await events.return?.();
      expect(received?.value.appEvents).toMatchObject({ app, actor: "owner" });
    });
  });
});
