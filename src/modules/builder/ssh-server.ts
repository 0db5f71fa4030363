import { type AddressInfo, type Socket, createServer } from "node:net";
import { randomUUID } from "node:crypto";
import { type Connection, type ServerChannel, Server, utils } from "ssh2";
import { RequestContext } from "../../core/context";
import { describeError } from "../../core/errors";
import type { Logger } from "../../core/logger";
import type { User } from "../../entities";
import type { LockStore } from "../cache";
import { type BuilderControl, fingerprintOf } from "../controller";
import { parseGitCommand } from "./git-command";
import type { GitRepos } from "./git-repos";
import type { HookRelay } from "./hook-relay";
import type { PushBuilder } from "./push-builder";

export interface RunningSshServer {
  readonly port: number;
  close(): Promise<void>;
}

function fail(stream: ServerChannel, message: string): void {
  stream.stderr.write(`deis: ${message}\n`);
  stream.exit(1);
  stream.end();
}

/**
 * `git push` over SSH: public keys only, known to the platform by their SHA256 fingerprint; only
 * `git-receive-pack '<app>.git'` (and `git-upload-pack` for the app's owner) run, as the real git,
 * on the app's bare repository; one push per app at a time.
 */
export async function startSshServer(options: {
  readonly host: string;
  readonly port: number;
  readonly hostKey: string;
  readonly control: BuilderControl;
  readonly repos: GitRepos;
  readonly relay: HookRelay;
  readonly builder: PushBuilder;
  readonly locks: LockStore;
  readonly log: Logger;
  /** A connection not authenticated this long after it opened is closed (OpenSSH's LoginGraceTime). */
  readonly loginGraceMs: number;
  /** Connections waiting to authenticate at once; a new one beyond it is closed at once (OpenSSH's MaxStartups). */
  readonly maxStartups: number;
}): Promise<RunningSshServer> {
  const { control, repos, relay, builder, locks, log } = options;

  const exec = async (user: User, command: string, stream: ServerChannel) => {
    const parsed = parseGitCommand(command);
    if (!parsed) {
      fail(stream, "only git push is served here (git-receive-pack '<app>.git'); no shell, no other commands");
      return;
    }
    const ctx = new RequestContext(randomUUID(), user, log.child({ user: user.username, app: parsed.app }));
    let appId: string;
    try {
      appId = await control.authorize(ctx, parsed.app, parsed.service === "git-upload-pack" ? "owner" : "collaborator");
    } catch (error) {
      fail(stream, describeError(error));
      return;
    }
    const lease = parsed.service === "git-receive-pack" ? await locks.tryAcquire(`push:${parsed.app}`, 15_000) : null;
    if (parsed.service === "git-receive-pack" && !lease) {
      fail(stream, `another push to ${parsed.app} is in progress; try again when it is done`);
      return;
    }
    // The push holds the app until its build is done with, not only until git exits.
    const hangUp = new AbortController();
    // A push whose lock lapsed (another push may hold it now) is cancelled before it releases anything.
    lease?.lost.addEventListener("abort", () => hangUp.abort(), { once: true });
    let building: Promise<number> = Promise.resolve(0);
    const push = relay.register((session) => (building = builder.handle(ctx, parsed.app, appId, session, hangUp.signal)));
    const finish = (code: number) => {
      push.done();
      void building.finally(() => lease?.release());
      stream.exit(code);
      stream.end();
    };
    try {
      await repos.ensure(parsed.app, appId);
      const child = repos.spawn(parsed.service, parsed.app, { DEIS_PUSH_ID: push.id });
      child.once("error", (error) => {
        log.error({ err: error }, "could not run git");
        stream.stderr.write("deis: the builder could not run git\n");
        finish(1);
      });
      stream.pipe(child.stdin!);
      child.stdin!.on("error", () => undefined);
      child.stdout!.pipe(stream, { end: false });
      child.stderr!.pipe(stream.stderr, { end: false });
      child.once("close", (code) => finish(code ?? 1));
      stream.once("close", () => {
        hangUp.abort();
        child.kill();
      });
    } catch (error) {
      log.error({ err: error }, "could not prepare the repository");
      stream.stderr.write("deis: the builder could not prepare the repository\n");
      finish(1);
    }
  };

  /** Connections still to authenticate, by the client's address and port. */
  const unauthenticated = new Map<string, { socket: Socket; settle: () => void }>();
  const connectionKey = (address: string | undefined, port: number | undefined) => `${address}|${port}`;

  const server = new Server({ hostKeys: [options.hostKey], ident: "deis-builder" }, (client: Connection, info) => {
    // Small packets at once: with Nagle's algorithm each round trip of the handshake waited ~40 ms.
    // (ssh2 documents Connection#setNoDelay; its type definitions leave it out.)
    (client as Connection & { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
    let user: User | null = null;
    client.on("authentication", (auth) => {
      if (auth.method !== "publickey") return auth.reject(["publickey"]);
      void control.userForKey(fingerprintOf(auth.key.data)).then(
        (found) => {
          if (!found) return auth.reject(["publickey"]);
          if (!auth.signature) return auth.accept(); // asked whether this key would do; it signs next
          const key = utils.parseKey(auth.key.data);
          if (key instanceof Error || !auth.blob || !key.verify(auth.blob, auth.signature, auth.hashAlgo)) return auth.reject(["publickey"]);
          user = found;
          auth.accept();
        },
        (error: unknown) => {
          log.error({ err: error }, "ssh key lookup failed");
          auth.reject(["publickey"]);
        },
      );
    });
    client.on("ready", () => {
      unauthenticated.get(connectionKey(info.ip, info.port))?.settle();
      client.on("session", (accept) => {
        const session = accept();
        session.on("exec", (acceptExec, _reject, info) => {
          const stream = acceptExec();
          if (!user) return fail(stream, "not authenticated");
          exec(user, info.command, stream).catch((error: unknown) => {
            log.error({ err: error }, "push failed");
            fail(stream, "internal error");
          });
        });
        session.on("pty", (_accept, reject) => reject?.());
        session.on("shell", (acceptShell) => fail(acceptShell(), "no shell here: add this host as a git remote and git push"));
      });
    });
    client.on("error", (error) => log.debug({ err: error }, "ssh client error"));
  });
  // The TCP side is ours, so a connection is counted and timed from its first byte, not from the
  // SSH identification line ssh2 waits for: a client that never sends one is closed all the same.
  const tcp = createServer((socket) => {
    if (unauthenticated.size >= options.maxStartups) {
      log.warn({ address: socket.remoteAddress, waiting: unauthenticated.size }, "ssh connection refused: too many waiting to authenticate");
      socket.destroy();
      return;
    }
    const key = connectionKey(socket.remoteAddress, socket.remotePort);
    const timer = setTimeout(() => {
      log.info({ address: socket.remoteAddress }, "ssh connection closed: not authenticated within the grace time");
      unauthenticated.get(key)?.settle();
      socket.destroy();
    }, options.loginGraceMs);
    const settle = () => {
      clearTimeout(timer);
      if (unauthenticated.get(key)?.socket === socket) unauthenticated.delete(key);
    };
    unauthenticated.set(key, { socket, settle });
    socket.once("close", settle);
    server.injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(options.port, options.host, () => resolve());
  });
  const { port } = tcp.address() as AddressInfo;
  log.info({ port }, "builder listening for git push over SSH");
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        for (const { socket, settle } of [...unauthenticated.values()]) {
          settle();
          socket.destroy();
        }
      }),
  };
}
