import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";
import WebSocket from "ws";
import { attachUrl } from "../../src/core/attach-protocol";
import { LABELS } from "../../src/modules/runtime/naming";
import { ECHO_IMAGE } from "../harness/docker";
import { uniqueApp } from "../harness/apps";
import { type TestPlatform, startTestPlatform } from "../harness/platform";
import { scaled } from "../harness/time";
import { type CliUser, registeredUser } from "../cli/cli-harness";

const ROOT = join(__dirname, "..", "..");
const TSX = require.resolve("tsx", { paths: [ROOT] });

/** The shell-quoted command line that runs the CLI from this checkout's source. */
function deisCommand(args: readonly string[]): string {
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
  return [process.execPath, "--import", TSX, join(ROOT, "src", "cli", "main.ts"), ...args].map(quote).join(" ");
}

/**
 * Answers each cursor position query (ESC [ 6 n: BusyBox's line editor asks at every prompt) in
 * `screen` not answered yet, as a terminal emulator would; returns how many it has answered.
 */
function answerCursorQueries(screen: string, answered: number, reply: (text: string) => void): number {
  const asked = screen.split("\x1b[6n").length - 1;
  for (let i = answered; i < asked; i++) reply("\x1b[1;1R");
  return asked;
}

/**
 * The real `deis` in a pseudo-terminal: util-linux `script` gives it a pty as stdin and stdout
 * (what is written to `type` is typed at that terminal; `screen` is everything it shows).
 */
class PtySession {
  private readonly child: ChildProcessWithoutNullStreams;
  screen = "";
  private answered = 0;
  readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  constructor(user: CliUser, args: readonly string[]) {
    this.child = spawn("script", ["-qfec", deisCommand(args), "/dev/null"], {
      cwd: user.cwd,
      env: { PATH: process.env.PATH, HOME: user.home, TERM: "xterm" },
    });
    const take = (chunk: Buffer) => {
      this.screen += chunk.toString("utf8");
      this.answered = answerCursorQueries(this.screen, this.answered, (reply) => this.type(reply));
      for (const waiter of this.waiters) waiter();
    };
    this.child.stdout.on("data", take);
    this.child.stderr.on("data", take);
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  type(text: string): void {
    this.child.stdin.write(text);
  }

  /** Waits until the screen, from `from` on, matches; returns the match. */
  async waitFor(pattern: RegExp, from = 0): Promise<RegExpExecArray> {
    const deadline = Date.now() + scaled(60_000);
    for (;;) {
      const match = pattern.exec(this.screen.slice(from));
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}; it shows (as a JSON string):\n${JSON.stringify(this.screen)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters = [];
    }
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

/** A protocol-level client of /attach: binary frames are the screen, text frames the server's messages. */
class AttachClient {
  readonly socket: WebSocket;
  screen = "";
  private answered = 0;
  readonly messages: Record<string, unknown>[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;

  constructor(url: string, token: string | null, session: { app: string; command: string; cols?: number; rows?: number }) {
    this.socket = new WebSocket(attachUrl(url, { cols: 80, rows: 24, ...session }), token ? { headers: { authorization: `Bearer ${token}` } } : {});
    this.socket.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        this.screen += data.toString("utf8");
        this.answered = answerCursorQueries(this.screen, this.answered, (reply) => this.type(reply));
      }
      else this.messages.push(JSON.parse(data.toString("utf8")) as Record<string, unknown>);
    });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once("open", () => resolve());
      this.socket.once("error", reject);
    });
    this.closed = new Promise((resolve) => this.socket.once("close", () => resolve()));
  }

  type(text: string): void {
    this.socket.send(Buffer.from(text), { binary: true });
  }

  async until<T>(what: string, probe: () => T | undefined): Promise<T> {
    const deadline = Date.now() + scaled(60_000);
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`never saw ${what}; screen:\n${this.screen}\nmessages: ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.socket.off("message", done);
          this.socket.off("close", done);
          resolve();
        };
        const timer = setTimeout(done, 1000);
        this.socket.on("message", done);
        this.socket.on("close", done);
      });
    }
  }
}

/** `deis run -it`: a real terminal in a one-off of the app's release, over the API's /attach WebSocket. */
describe("interactive run (deis run -it)", () => {
  let t: TestPlatform;
  let alice: CliUser;
  let aliceToken: string;
  const app = uniqueApp("tty");
  const sessions: PtySession[] = [];

  /** The app's one-off containers on the engine, running or not. */
  const oneOffs = () => t.platform.runtime.engine.listContainers([`${LABELS.platform}=${t.platform.config.platformId}`, `${LABELS.app}=${app}`, `${LABELS.type}=run`]);

  const pty = (user: CliUser, args: readonly string[]) => {
    const session = new PtySession(user, args);
    sessions.push(session);
    return session;
  };

  beforeAll(async () => {
    t = await startTestPlatform();
    alice = await registeredUser(t.url, "alice");
    aliceToken = (await alice.ok(["auth:token"])).stdout.trim();
    await alice.ok(["create", app, "--no-remote"]);
    await alice.ok(["builds:create", ECHO_IMAGE, "--procfile", "web=node /app/server.js", "-a", app]);
    await alice.ok(["config:set", "GREETING=hello-from-config", "-a", app]);
  });
  afterAll(async () => {
    for (const session of sessions) session.kill();
    await alice?.run(["apps:destroy", app, "--confirm", app]);
    await t?.platform.services.deploys.settled();
    await t?.stop();
  });

  test("a shell with a terminal: tty, the app's config, Ctrl-C interrupts a sleep and the shell goes on, exit 3 is the CLI's exit status; no container is left", async () => {
    const session = pty(alice, ["run", "-it", "-a", app, "sh"]);
    // The prompt (BusyBox ash's, then its terminal queries).
    await session.waitFor(/[$#] /);

    let mark = session.screen.length;
    session.type("tty; echo \"config=$GREETING\"\n");
    const tty = await session.waitFor(/(\/dev\/pts\/\d+)\r*\n/, mark);
    expect(tty[1]).toMatch(/^\/dev\/pts\/\d+$/);
    await session.waitFor(/config=hello-from-config\r*\n/, mark);
    expect(await oneOffs()).toHaveLength(1);

    await session.waitFor(/[$#] /, mark + session.screen.slice(mark).indexOf("config=hello"));
    // The echo's output (not the echoed line, which has no "=") says the sleep is about to run.
    mark = session.screen.length;
    session.type("sh -c 'echo sleeping=$((20*50)); exec sleep 1000'\n");
    await session.waitFor(/sleeping=1000\r*\n/, mark);
    mark = session.screen.length;
    session.type("\x03");
    // Without the interrupt the sleep would hold the shell for 1000 s: the status is SIGINT's.
    session.type("echo status=$?\n");
    await session.waitFor(/status=130\r*\n/, mark);
    await session.waitFor(/[$#] /, mark + session.screen.slice(mark).indexOf("status=130"));

    session.type("exit 3\n");
    expect(await session.exited).toBe(3);
    // The terminal's bytes arrive as the container's terminal wrote them (no \r added to its \r\n).
    expect(session.screen).not.toContain("\r\r\n");
    // In the app's audit trail: who and the outcome, not the command.
    const audit = (await alice.ok(["audit", "-a", app, "--json"])).json() as { operation: string; username: string; outcome: string; summary: string }[];
    expect(audit.find((entry) => entry.operation === "runInteractive")).toMatchObject({ username: "alice", outcome: "ok", summary: "runInteractive" });
    // The controller removes the container before it sends the exit code.
    expect(await oneOffs()).toEqual([]);
  });

  test("at a terminal, plain `deis run` is interactive too; -T runs it without a terminal", async () => {
    const plain = pty(alice, ["run", "-a", app, "tty"]);
    expect(await plain.exited).toBe(0);
    expect(plain.screen).toMatch(/\/dev\/pts\/\d+/);

    const noTty = pty(alice, ["run", "-T", "-a", app, "tty"]);
    expect(await noTty.exited).toBe(1);
    expect(noTty.screen).toContain("not a tty");
  });

  test("without a terminal, `run` keeps stdout and stderr apart, and -it is refused with the reason", async () => {
    const piped = await alice.run(["run", "-a", app, "--", "sh", "-c", "echo out; echo err >&2; exit 4"]);
    expect(piped).toMatchObject({ code: 4, stdout: "out\n" });
    expect(piped.stderr).toContain("err\n");
    expect(piped.stderr.split("\n")).not.toContain("out");

    const refused = await alice.run(["run", "-it", "-a", app, "sh"]);
    expect(refused).toMatchObject({ code: 1, stdout: "" });
    expect(refused.stderr).toContain("Error: -it needs a terminal");
    const both = await alice.run(["run", "-it", "-T", "-a", app, "sh"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("Error: -it (a terminal session) and -T do not go together");
  });

  test("who may not attach, an app with nothing deployed and an unknown app: the CLI says why and exits 1", async () => {
    const bob = await registeredUser(t.url, "bob");
    const stranger = pty(bob, ["run", "-it", "-a", app, "sh"]);
    expect(await stranger.exited).toBe(1);
    expect(stranger.screen).toContain(`Error: app "${app}" not found`);

    const empty = uniqueApp("tty-empty");
    await alice.ok(["create", empty, "--no-remote"]);
    const nothing = pty(alice, ["run", "-it", "-a", empty, "sh"]);
    expect(await nothing.exited).toBe(1);
    expect(nothing.screen).toContain(`Error: ${empty} has nothing deployed yet`);
    await alice.ok(["apps:destroy", empty, "--confirm", empty]);

    const unknown = pty(alice, ["run", "-it", "-a", "no-such-app", "sh"]);
    expect(await unknown.exited).toBe(1);
    expect(unknown.screen).toContain('Error: app "no-such-app" not found');

    // Without a token the socket says so and starts nothing.
    const anonymous = new AttachClient(t.url, null, { app, command: "sh" });
    await anonymous.closed;
    expect(anonymous.messages).toEqual([{ error: "log in first: this operation needs a valid token", code: "UNAUTHENTICATED" }]);
    expect(await oneOffs()).toEqual([]);
  });

  test("protocol: a resize reaches the terminal; a bad one is refused and changes nothing; a client that goes away takes its container with it", async () => {
    const client = new AttachClient(t.url, aliceToken, { app, command: "sh", cols: 80, rows: 24 });
    await client.opened;
    client.socket.send(JSON.stringify({ resize: { cols: 100, rows: 40 } }));
    client.type("stty size\n");
    await client.until("stty size after the resize", () => (/40 100\r*\n/.test(client.screen) ? true : undefined));

    client.socket.send(JSON.stringify({ resize: { cols: 0, rows: 40 } }));
    const refused = await client.until("the refusal", () => client.messages.find((m) => "refused" in m));
    expect(refused).toEqual({ refused: "cols: a terminal's columns are a whole number from 1 to 1000", code: "BAD_USER_INPUT" });
    const mark = client.screen.length;
    client.type("stty size\n");
    await client.until("stty size unchanged", () => (/40 100\r*\n/.test(client.screen.slice(mark)) ? true : undefined));

    // A live session's container is no orphan, however old: the sweep leaves it.
    const [container] = await oneOffs();
    expect(container).toBeDefined();
    expect(await t.platform.services.interactiveRuns.sweep(Date.now() + 3_600_000)).toBe(0);
    expect((await oneOffs()).map((c) => c.id)).toEqual([container.id]);

    // Cut off mid-session: the container is destroyed (the engine's event says so).
    const destroyed = new Promise<void>((resolve, reject) => {
      const stop = t.platform.runtime.engine.followEvents(
        { type: ["container"], event: ["destroy"], container: [container.id] },
        {
          onConnected: () => {
            client.socket.terminate();
          },
          onEvent: () => {
            stop();
            resolve();
          },
          onError: reject,
        },
      );
    });
    await destroyed;
    expect(await oneOffs()).toEqual([]);
  });

  test("a controller that died leaves its sessions' containers behind: the sweep finds them (no session holds their lock) and removes them", async () => {
    // Such a container, as a dead controller's session left it.
    const engine = t.platform.runtime.engine;
    const orphan = await engine.startTerminal(
      {
        name: `${app}.run.orphan`,
        image: ECHO_IMAGE,
        env: {},
        cmd: ["/bin/sh", "-c", "exec sleep 1000"],
        labels: { [LABELS.platform]: t.platform.config.platformId, [LABELS.app]: app, [LABELS.type]: "run", [LABELS.num]: "0", [LABELS.release]: "v3", [LABELS.terminal]: "1" },
      },
      { cols: 80, rows: 24 },
    );
    try {
      // Just started: it may be a session about to take its lock, so it is left alone.
      expect(await t.platform.services.interactiveRuns.sweep()).toBe(0);
      // As the sweep a minute on would see it.
      expect(await t.platform.services.interactiveRuns.sweep(Date.now() + 120_000)).toBe(1);
      expect(await oneOffs()).toEqual([]);
    } finally {
      await orphan.remove();
    }
  });
});
