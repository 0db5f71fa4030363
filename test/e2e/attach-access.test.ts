import WebSocket from "ws";
import { attachUrl } from "../../src/core/attach-protocol";
import { LABELS } from "../../src/modules/runtime/naming";
import { ECHO_IMAGE } from "../harness/docker";
import { uniqueApp } from "../harness/apps";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { scaled } from "../harness/time";
import { type CliUser, registeredUser } from "../cli/cli-harness";

/** A terminal over /attach: the screen and the server's text frames. */
class Terminal {
  readonly socket: WebSocket;
  screen = "";
  readonly messages: Record<string, unknown>[] = [];
  readonly closed: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(url: string, token: string, app: string) {
    this.socket = new WebSocket(attachUrl(url, { app, command: "sh", cols: 80, rows: 24 }), { headers: { authorization: `Bearer ${token}` } });
    this.socket.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.screen += data.toString("utf8");
      else this.messages.push(JSON.parse(data.toString("utf8")) as Record<string, unknown>);
      this.wake();
    });
    this.closed = new Promise((resolve) => this.socket.once("close", () => (this.wake(), resolve())));
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Types `echo` of a marker and waits for its output: the shell is up and reading. */
  async ready(marker: string): Promise<void> {
    await new Promise<void>((resolve) => (this.socket.readyState === WebSocket.OPEN ? resolve() : this.socket.once("open", () => resolve())));
    this.socket.send(Buffer.from(`echo ${marker}-$((40+2))\n`), { binary: true });
    const deadline = Date.now() + scaled(60_000);
    while (!this.screen.includes(`${marker}-42`)) {
      if (Date.now() > deadline || this.socket.readyState === WebSocket.CLOSED) throw new Error(`no ${marker}; screen ${JSON.stringify(this.screen)}; messages ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

/** An interactive session lasts only as long as its user may `run` the app. */
describe("attach: access that ends mid-session", () => {
  let t: TestPlatform;
  let alice: CliUser;
  let bob: CliUser;
  let aliceToken: string;
  let bobToken: string;
  const app = uniqueApp("tty-acl");

  const oneOffs = () => t.platform.runtime.engine.listContainers([`${LABELS.platform}=${t.platform.config.platformId}`, `${LABELS.app}=${app}`, `${LABELS.type}=run`]);

  beforeAll(async () => {
    t = await startTestPlatform();
    alice = await registeredUser(t.url, "alice");
    bob = await registeredUser(t.url, "bob");
    aliceToken = (await alice.ok(["auth:token"])).stdout.trim();
    bobToken = (await bob.ok(["auth:token"])).stdout.trim();
    await alice.ok(["create", app, "--no-remote"]);
    await alice.ok(["builds:create", ECHO_IMAGE, "--procfile", "web=node /app/server.js", "-a", app]);
  });
  afterAll(async () => {
    await alice?.run(["apps:destroy", app, "--confirm", app]);
    await t?.platform.services.deploys.settled();
    await t?.stop();
  });

  test("a collaborator removed while attached is cut off (FORBIDDEN) and their container removed; the owner's session on the app goes on", async () => {
    await alice.ok(["perms:create", "bob", "-a", app]);
    const owner = new Terminal(t.url, aliceToken, app);
    const collaborator = new Terminal(t.url, bobToken, app);
    await owner.ready("owner");
    await collaborator.ready("bob");
    expect(await oneOffs()).toHaveLength(2);

    await alice.ok(["perms:delete", "bob", "-a", app]);
    await collaborator.closed;
    expect(collaborator.messages).toEqual([{ error: `your access to ${app} ended`, code: "FORBIDDEN" }]);

    // The owner's terminal still answers, and only its container is left once bob's is gone.
    await owner.ready("still");
    const deadline = Date.now() + scaled(30_000);
    while ((await oneOffs()).length !== 1) {
      if (Date.now() > deadline) throw new Error("bob's container was not removed");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    owner.socket.close();
    await owner.closed;
  });

  test("an owner who transfers the app away is cut off (alice, the first user, is an admin: bob owns it for this)", async () => {
    await alice.ok(["apps:transfer", "bob", "-a", app]);
    const owner = new Terminal(t.url, bobToken, app);
    await owner.ready("bob-owner");
    await bob.ok(["apps:transfer", "alice", "-a", app]);
    await owner.closed;
    expect(owner.messages).toEqual([{ error: `your access to ${app} ended`, code: "FORBIDDEN" }]);
  });
});
