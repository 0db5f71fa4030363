import { readFileSync } from "node:fs";
import { type Socket, connect } from "node:net";
import { Client } from "ssh2";
import type { DeisClient } from "../../src/sdk/client";
import { uniqueApp } from "../harness/apps";
import { gitPush, gitRepo, sshKeygen } from "../harness/git";
import { type TestPlatform, startTestPlatform } from "../harness/platform";

const GRACE_SECONDS = 3;
const MAX_STARTUPS = 3;

/** A raw TCP connection to the builder that never says a word; resolves once the server's SSH banner arrived. */
function idleConnection(port: number): Promise<{ socket: Socket; closed: Promise<void>; isClosed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let closedNow = false;
    const closed = new Promise<void>((done) => socket.once("close", () => ((closedNow = true), done())));
    socket.on("error", () => undefined);
    socket.once("data", (data) => {
      if (!data.toString("latin1").startsWith("SSH-2.0-deis-builder")) reject(new Error(`unexpected banner ${data.toString("latin1")}`));
      resolve({ socket, closed, isClosed: () => closedNow });
    });
    socket.once("close", () => reject(new Error("closed before the banner")));
  });
}

/** An SSH connection that authenticated with the key. */
function authenticated(port: number, privateKeyPath: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once("ready", () => resolve(client)).on("error", reject);
    client.connect({ host: "127.0.0.1", port, username: "git", privateKey: readFileSync(privateKeyPath) });
  });
}

/** Runs a command on an authenticated connection; its stderr and exit code. */
function exec(client: Client, command: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error);
      let stderr = "";
      stream.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      stream.on("data", () => undefined);
      stream.once("exit", (code: number | null) => stream.once("close", () => resolve({ code, stderr })));
    });
  });
}

/** The builder's SSH server closes connections that do not authenticate in time, and caps how many may wait. */
describe("SSH login grace time and start-up cap", () => {
  let t: TestPlatform;
  let alice: DeisClient;
  const aliceKey = sshKeygen("alice@laptop");
  let port: number;

  beforeAll(async () => {
    t = await startTestPlatform({
      env: { DEIS_BUILDER_LOGIN_GRACE_SECONDS: String(GRACE_SECONDS), DEIS_BUILDER_MAX_STARTUPS: String(MAX_STARTUPS) },
    });
    port = t.platform.builder.port;
    ({ client: alice } = await t.signUp("alice"));
    await alice.sdk.AddKey({ publicKey: aliceKey.publicKey });
  });
  afterAll(() => t.stop());

  test("a connection that never authenticates is closed by the server; an authenticated one opened earlier is not", async () => {
    const ssh = await authenticated(port, aliceKey.privateKeyPath);
    let sshClosed = false;
    ssh.once("close", () => (sshClosed = true));
    const idle = await idleConnection(port);
    // The server ends it: the test never closes it itself.
    await idle.closed;
    expect(sshClosed).toBe(false);
    // The authenticated connection, older than the idle one, still works.
    expect(await exec(ssh, "git-receive-pack 'no-such-app.git'")).toEqual({ code: 1, stderr: 'deis: app "no-such-app" not found\n' });
    ssh.end();
  });

  test("beyond the cap a new connection is closed at once; after the waiting ones go, a push works", async () => {
    const waiting = [];
    for (let i = 0; i < MAX_STARTUPS; i++) waiting.push(await idleConnection(port));
    // The next one gets no banner at all: closed before the SSH handshake starts.
    const refused = connect(port, "127.0.0.1");
    refused.on("error", () => undefined);
    let bytes = 0;
    refused.on("data", (data) => (bytes += data.length));
    await new Promise((resolve) => refused.once("close", resolve));
    expect(bytes).toBe(0);
    // It was the cap that refused it: the waiting connections were all still open then.
    expect(waiting.map((w) => w.isClosed())).toEqual(waiting.map(() => false));
    // The server closes the waiting ones at their grace time; then an authenticated push goes through.
    await Promise.all(waiting.map((w) => w.closed));
    const app = uniqueApp("graced");
    const { gitRemote } = (await alice.sdk.CreateApp({ name: app })).createApp;
    const push = await gitPush(gitRepo({ "index.html": "after the cap\n" }), gitRemote, aliceKey.privateKeyPath);
    // Authenticated and served: the builder built the commit and made its release (whether Docker
    // then runs it is not this file's business).
    expect(push.output).toContain(`Releasing v2`);
    expect(push.output).not.toMatch(/Connection closed|kex_exchange_identification|Permission denied/);
    await alice.sdk.DestroyApp({ name: app });
  });
});
