import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { ATTACH_PATH, type ServerMessage } from "../core/attach-protocol";
import type { RequestContext } from "../core/context";
import { DomainError, invalidInput } from "../core/errors";
import type { Logger } from "../core/logger";
import { type InteractiveSession, type Services, type TerminalClient, hashToken } from "../modules/controller";
import { toClientError } from "../resolvers";

export { ATTACH_PATH };

export interface AttachEndpointOptions {
  readonly services: Services;
  /** The request context of a bearer token (the same as every API call's). */
  readonly contextFor: (authorization: string | null, address: string | undefined) => Promise<RequestContext>;
  readonly log: Logger;
  /** How often a silent client is asked for a pong; one that misses it is cut off (and its session ended). */
  readonly heartbeatMs?: number;
}

export interface AttachEndpoint {
  /** Takes an HTTP upgrade for ATTACH_PATH. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends the sessions of these tokens (revoked, logged out). */
  endSessions(tokenHashes: ReadonlySet<string>, message: string): void;
  /**
   * Who may use the app changed (a collaborator removed, the app transferred, destroyed or renamed
   * away from this name): the sessions on it whose user may no longer `run` it end. Settles once checked.
   */
  accessChanged(app: string): Promise<void>;
  /** Ends every session and waits until their containers are removed. */
  close(): Promise<void>;
}

/** Output waiting for a client beyond which the terminal is paused, and below which it goes on. */
const HIGH_WATER_BYTES = 1024 * 1024;
const LOW_WATER_BYTES = 256 * 1024;

/** Frames a client may send before its session has started. */
const MAX_EARLY_FRAMES = 1024;
/** Bytes a client may send before its session has started (held in memory until it has). */
const MAX_EARLY_BYTES = 1024 * 1024;

/** Most bytes one frame from a client may hold (keys typed and pasted). */
const MAX_FRAME_BYTES = 1024 * 1024;

function sizeOf(data: RawData): number {
  return Array.isArray(data) ? data.reduce((sum, chunk) => sum + chunk.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function bearerOf(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  const match = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
  return match ? match[1] : null;
}

/**
 * The API server's /attach WebSocket: the transport of interactive one-offs (the protocol is in
 * core/attach-protocol.ts). Authentication is the bearer token only (no cookie, so no cross-site
 * WebSocket can ride a browser's session); who may attach and what runs is the InteractiveRunService's.
 */
export function attachEndpoint(options: AttachEndpointOptions): AttachEndpoint {
  const { services, log } = options;
  const server = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const sessions = new Set<Promise<void>>();
  const tokens = new WeakMap<WebSocket, string>();
  const alive = new WeakSet<WebSocket>();
  /** Each started session's caller and app, to ask again whether the caller may still use it. */
  const attached = new Map<WebSocket, { ctx: RequestContext; app: string }>();

  const send = (socket: WebSocket, message: ServerMessage | { refused: string; code: string }) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const finalMessage = (socket: WebSocket, message: ServerMessage) => {
    send(socket, message);
    socket.close(1000);
  };
  const errorOf = (error: unknown) => {
    const formatted = toClientError(error, log);
    return { error: formatted.message, code: String(formatted.extensions?.code ?? "INTERNAL_SERVER_ERROR") };
  };

  const onConnection = (socket: WebSocket, request: IncomingMessage) => {
    alive.add(socket);
    socket.on("pong", () => alive.add(socket));
    const token = bearerOf(request);
    if (token) tokens.set(socket, hashToken(token));
    let session: InteractiveSession | null = null;
    let closed = false;
    let paused = false;
    // What the client sent before its session started: played in order once it has.
    const early: { data: RawData; isBinary: boolean }[] = [];
    let earlyBytes = 0;

    // Frames are handled one after the other: keys typed after a resize reach a terminal of the new size.
    let previous: Promise<void> = Promise.resolve();
    const onFrame = (data: RawData, isBinary: boolean) => {
      if (!session) {
        // Keys typed while the container starts; a client that floods it meanwhile is cut off.
        earlyBytes += sizeOf(data);
        if (early.push({ data, isBinary }) > MAX_EARLY_FRAMES || earlyBytes > MAX_EARLY_BYTES) {
          early.length = 0;
          socket.terminate();
        }
        return;
      }
      const current = session;
      previous = previous.then(() => handleFrame(current, data, isBinary)).catch((error: unknown) => log.warn({ err: error }, "attach: a client's frame failed"));
    };
    const handleFrame = async (session: InteractiveSession, data: RawData, isBinary: boolean): Promise<void> => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (isBinary) {
        session.input(bytes);
        return;
      }
      let resize: { cols?: unknown; rows?: unknown } | undefined;
      try {
        resize = (JSON.parse(bytes.toString("utf8")) as { resize?: { cols?: unknown; rows?: unknown } }).resize;
      } catch {
        resize = undefined;
      }
      if (!resize || typeof resize !== "object") {
        send(socket, { refused: 'a text frame is {"resize":{"cols":C,"rows":R}}; terminal bytes go in binary frames', code: "BAD_USER_INPUT" });
        return;
      }
      // A bad size is refused and changes nothing; the session goes on.
      await session.resize({ cols: resize.cols, rows: resize.rows }).catch((error: unknown) => {
        const { error: message, code } = errorOf(error);
        send(socket, { refused: message, code });
      });
    };
    socket.on("message", onFrame);
    socket.on("close", () => {
      closed = true;
      attached.delete(socket);
      void session?.hangUp();
    });
    socket.on("error", (error) => log.debug({ err: error }, "attach: socket error"));

    /** Where the session's output goes: this socket, pausing the terminal while the client lags behind. */
    const client: TerminalClient = {
      output: (bytes) => {
        if (socket.readyState !== socket.OPEN) return;
        // A client slower than the process's output (a `yes`, a slow link): the terminal waits for it
        // (its process blocks on its writes) rather than the controller buffering without bound.
        socket.send(bytes, { binary: true }, () => {
          if (paused && socket.bufferedAmount < LOW_WATER_BYTES) {
            paused = false;
            session?.resume();
          }
        });
        if (!paused && socket.bufferedAmount > HIGH_WATER_BYTES) {
          paused = true;
          session?.pause();
        }
      },
      exit: (code) => finalMessage(socket, { exit: code }),
      end: (message) => finalMessage(socket, { error: message, code: "SESSION_ENDED" }),
    };

    const start = async () => {
      const url = new URL(request.url ?? "/", "http://localhost");
      const ctx = await options.contextFor(token ? `Bearer ${token}` : null, request.socket.remoteAddress);
      const app = url.searchParams.get("app");
      // In the audit trail like the run mutation (never the command): who, from where, which app, and the outcome.
      const audit = (outcome: string) =>
        ctx.user ? services.audit.record(ctx, { operation: "runInteractive", summary: "runInteractive", details: {}, app: app && app.length <= 63 ? app : null, outcome }) : Promise.resolve();
      let started: InteractiveSession;
      try {
        if (!app) throw invalidInput("app", "name the app: ?app=APP");
        const size = { cols: Number(url.searchParams.get("cols") ?? "80"), rows: Number(url.searchParams.get("rows") ?? "24") };
        started = await services.interactiveRuns.start(ctx, app, url.searchParams.get("command") ?? "", size, client);
      } catch (error) {
        await audit(errorOf(error).code);
        throw error;
      }
      await audit("ok");
      session = started;
      if (!closed) attached.set(socket, { ctx, app: app as string });
      const ended = started.ended;
      sessions.add(ended);
      void ended.finally(() => sessions.delete(ended));
      // The client left while its container was being made.
      if (closed) await started.hangUp();
      for (const frame of early.splice(0)) onFrame(frame.data, frame.isBinary);
    };
    const starting = start().catch((error: unknown) => finalMessage(socket, errorOf(error)));
    sessions.add(starting);
    void starting.finally(() => sessions.delete(starting));
  };

  const heartbeat = setInterval(() => {
    for (const socket of server.clients) {
      if (!alive.has(socket)) {
        log.info("attach: a client stopped answering; ending its session");
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  return {
    handleUpgrade(request, socket, head) {
      server.handleUpgrade(request, socket, head, (ws) => onConnection(ws, request));
    },
    endSessions(tokenHashes, message) {
      for (const socket of server.clients) {
        const hash = tokens.get(socket);
        if (hash !== undefined && tokenHashes.has(hash)) finalMessage(socket, { error: message, code: "UNAUTHENTICATED" });
      }
    },
    async accessChanged(app) {
      const checks = [...attached].filter(([, session]) => session.app === app).map(async ([socket, { ctx }]) => {
        try {
          await services.access.requireApp(ctx, app, "collaborator");
        } catch (error) {
          // Only a refusal ends the session (a database that is down says nothing about the caller's rights).
          if (!(error instanceof DomainError) || (error.code !== "NOT_FOUND" && error.code !== "PERMISSION_DENIED")) {
            log.warn({ err: error, app }, "attach: could not check a session's access again");
            return;
          }
          log.info({ app, user: ctx.user?.username }, "attach: ending a session whose user may no longer use the app");
          attached.delete(socket);
          finalMessage(socket, { error: `your access to ${app} ended`, code: "FORBIDDEN" });
        }
      });
      await Promise.all(checks);
    },
    async close() {
      clearInterval(heartbeat);
      for (const socket of server.clients) socket.terminate();
      await Promise.all([...sessions]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
