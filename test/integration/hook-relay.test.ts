import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HookRelay, type HookSession, hookScript } from "../../src/modules/builder/hook-relay";
import { testEnv } from "../harness/env";

const OLD = "0".repeat(40);
const NEW = "a".repeat(40);

/** Runs the generated pre-receive hook (real perl) as git would: refs on stdin, GIT_ variables set. */
function runHook(hook: string, env: Record<string, string>, refs: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(hook, [], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? -1, stderr }));
    child.stdin.end(refs);
  });
}

describe("the pre-receive hook and the builder's hook relay", () => {
  const dir = mkdtempSync(join(testEnv.root, "hook-"));
  const relay = new HookRelay(join(dir, "hooks.sock"));
  const hook = join(dir, "pre-receive");

  beforeAll(async () => {
    writeFileSync(hook, hookScript(relay.socketPath));
    chmodSync(hook, 0o755);
    await relay.listen();
  });
  afterAll(() => relay.close());

  test("the refs and git's variables reach the builder; its lines and exit code reach git", async () => {
    let seen: HookSession | null = null;
    const push = relay.register(async (session) => {
      seen = session;
      session.say("-----> Building");
      session.say("a line\nwith a newline in it");
      return 3;
    });
    const result = await runHook(
      hook,
      { DEIS_PUSH_ID: push.id, GIT_QUARANTINE_PATH: "/repo/objects/incoming-x", GIT_DIR: "." },
      `${OLD} ${NEW} refs/heads/main\n${NEW} ${OLD} refs/heads/old\n`,
    );
    push.done();
    expect(result).toEqual({ code: 3, stderr: "-----> Building\na line with a newline in it\n" });
    expect(seen!.refs).toEqual([
      { oldSha: OLD, newSha: NEW, ref: "refs/heads/main" },
      { oldSha: NEW, newSha: OLD, ref: "refs/heads/old" },
    ]);
    expect(seen!.env).toEqual({ GIT_DIR: ".", GIT_QUARANTINE_PATH: "/repo/objects/incoming-x" });
  });

  test("a push the builder accepts exits 0", async () => {
    const push = relay.register(async () => 0);
    const result = await runHook(hook, { DEIS_PUSH_ID: push.id }, `${OLD} ${NEW} refs/heads/main\n`);
    push.done();
    expect(result).toEqual({ code: 0, stderr: "" });
  });

  test("a push id the builder does not know is refused", async () => {
    const result = await runHook(hook, { DEIS_PUSH_ID: "not-registered" }, `${OLD} ${NEW} refs/heads/main\n`);
    expect(result).toEqual({ code: 1, stderr: "this push is not known to the builder\n" });
  });

  test("a builder that is not listening refuses the push with the reason", async () => {
    const gone = join(dir, "gone-pre-receive");
    writeFileSync(gone, hookScript(join(dir, "nobody.sock")));
    chmodSync(gone, 0o755);
    const result = await runHook(gone, { DEIS_PUSH_ID: "x" }, `${OLD} ${NEW} refs/heads/main\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^the builder is not reachable: /);
  });
});
