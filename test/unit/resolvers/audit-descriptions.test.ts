import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema } from "graphql";
import { AUDITED, describeCall } from "../../../src/resolvers/audit-descriptions";

const schema = buildSchema(readFileSync(join(__dirname, "../../../schema/schema.graphql"), "utf8"));
const mutations = schema.getMutationType()!.getFields();

describe("audit descriptions (an allow-list of what the trail may say about arguments)", () => {
  test("each description names a mutation the schema has, and an app argument it has", () => {
    for (const [operation, description] of Object.entries(AUDITED)) {
      expect(mutations[operation]).toBeDefined();
      if (description.app) expect(mutations[operation].args.map((a) => a.name)).toContain(description.app);
    }
  });

  test("config: keys set and unset, never a value", () => {
    const call = describeCall("setConfig", { app: "shop", values: [{ key: "TOKEN", value: "hunter2" }, { key: "OLD", value: null }] });
    expect(call).toEqual({ app: "shop", actor: null, details: { set: ["TOKEN"], unset: ["OLD"] }, summary: "setConfig set=[TOKEN] unset=[OLD]" });
  });

  test("secrets are not picked: passwords, keys, certificates, one-off commands, a hook URL's path and query", () => {
    const calls = [
      describeCall("login", { username: "alice", password: "hunter2" }),
      describeCall("register", { input: { username: "alice", password: "hunter2", email: "a@example.com" } }),
      describeCall("changePassword", { password: "hunter2", newPassword: "hunter3" }),
      describeCall("addKey", { name: "laptop", publicKey: "ssh-ed25519 AAAAhunter2" }),
      describeCall("addCertificate", { app: "shop", name: "c", certificate: "-----BEGIN hunter2", key: "-----BEGIN PRIVATE hunter2" }),
      describeCall("run", { app: "shop", command: "psql postgres://u:hunter2@db", timeoutSeconds: 60 }),
      describeCall("addHook", { app: "shop", url: "https://hooks.example.com/services/hunter2?token=hunter2" }),
    ];
    expect(JSON.stringify(calls)).not.toMatch(/hunter|@example/);
    expect(calls[6].details).toEqual({ url: "https://hooks.example.com" });
    expect(calls[0]).toMatchObject({ actor: "alice", details: { username: "alice" } });
  });

  test("a mutation without a description records its name and app, and no other argument", () => {
    expect(describeCall("someNewMutation", { app: "shop", secret: "hunter2" })).toEqual({ app: "shop", actor: null, details: {}, summary: "someNewMutation" });
    expect(describeCall("someOtherMutation", { name: "shop", secret: "hunter2" })).toEqual({ app: null, actor: null, details: {}, summary: "someOtherMutation" });
  });

  test("what is recorded is bounded and holds no NUL (PostgreSQL's jsonb refuses it)", () => {
    const { details } = describeCall("addDomain", { app: "shop", domain: `a\u0000${"b".repeat(500)}` });
    expect(details.domain).toBe(`a${"b".repeat(199)}`);
  });
});
