import type { RequestContext } from "../../../core/context";
import { invalidInput, stateConflict } from "../../../core/errors";
import type { Logger } from "../../../core/logger";
import type { Lease, LockStore } from "../../cache";
import type { TerminalContainer, TerminalSize } from "../../docker";
import type { AccessService } from "./access.service";
import type { DeployService } from "./deploy.service";
import { validateCommand } from "./process.service";

/** Largest terminal accepted, in columns and rows. */
export const MAX_TERMINAL_CELLS = 1000;

/** The lock a session holds for as long as it lives, named after its container: a container whose lock is free has lost its session. */
export function sessionLock(containerId: string): string {
  return `terminal:${containerId}`;
}

/** How long a container may run before its session's lock is taken (it is made before the lock). */
const ORPHAN_GRACE_MS = 60_000;
/** How often a controller looks for interactive one-offs whose session is gone (its controller died). */
const SWEEP_EVERY_MS = 60_000;
/** A session's lock lives this long without renewal (its controller died). */
const SESSION_LOCK_TTL_MS = 30_000;

export interface InteractiveRunLimits {
  /** A session with no byte either way for this long ends. */
  readonly idleMs: number;
  /** A session ends after this long whatever it does. */
  readonly maxMs: number;
}

/** Where a session's terminal output goes: the client, over whatever carries it (the API's /attach websocket). */
export interface TerminalClient {
  output(bytes: Buffer): void;
  /** The process exited with `code`; nothing follows. */
  exit(code: number): void;
  /** The session ended without the process exiting (a limit); nothing follows. */
  end(message: string): void;
}

/** A terminal size from a client: whole numbers from 1 to MAX_TERMINAL_CELLS, else BAD_USER_INPUT naming the field. */
export function validateTerminalSize(size: { readonly cols: unknown; readonly rows: unknown }): TerminalSize {
  for (const field of ["cols", "rows"] as const) {
    const value = size[field];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_TERMINAL_CELLS) {
      throw invalidInput(field, `a terminal's ${field === "cols" ? "columns" : "rows"} are a whole number from 1 to ${MAX_TERMINAL_CELLS}`);
    }
  }
  return { cols: size.cols as number, rows: size.rows as number };
}

/**
 * One interactive one-off (`deis run -it`): the container's terminal joined to a client. Bytes the
 * client types go to the terminal as they are (Ctrl-C is byte 3; the terminal makes it SIGINT).
 * It ends when the process exits (the client gets the code), when the client goes away, or at the
 * idle or overall limit; in every case the container is removed.
 */
export class InteractiveSession {
  private finished = false;
  private idle: NodeJS.Timeout | undefined;
  private readonly overall: NodeJS.Timeout;
  private readonly removed: Promise<void>;
  private markRemoved!: () => void;

  constructor(
    private readonly container: TerminalContainer,
    private readonly client: TerminalClient,
    private readonly limits: InteractiveRunLimits,
    private readonly log: Logger,
    /** Held while the session lives, so other controllers know its container is not an orphan. */
    private readonly lease: Lease | null = null,
  ) {
    this.removed = new Promise((resolve) => (this.markRemoved = resolve));
    container.stream.on("data", (bytes: Buffer) => {
      this.touch();
      if (!this.finished) client.output(bytes);
    });
    container.stream.on("error", (error: Error) => log.debug({ err: error }, "interactive one-off: the terminal stream failed"));
    this.overall = setTimeout(() => void this.finish(null, `the session reached its limit of ${Math.round(limits.maxMs / 1000)} s and was ended`), limits.maxMs);
    this.touch();
    container.exited.then(
      (code) => this.finish(code, null),
      (error: unknown) => {
        log.warn({ err: error }, "interactive one-off: could not learn how it ended");
        return this.finish(null, "the process's end could not be read from the engine");
      },
    );
  }

  /** The container's id (tests and logs). */
  get containerId(): string {
    return this.container.id;
  }

  /** Settles once the session is over and its container removed. */
  get ended(): Promise<void> {
    return this.removed;
  }

  /** Bytes the client typed. */
  input(bytes: Buffer): void {
    if (this.finished) return;
    this.touch();
    this.container.stream.write(bytes);
  }

  /** The client's terminal changed size; BAD_USER_INPUT for a size out of range. */
  async resize(size: { readonly cols: unknown; readonly rows: unknown }): Promise<void> {
    const valid = validateTerminalSize(size);
    if (this.finished) return;
    this.touch();
    await this.container.resize(valid);
  }

  /** The client lags behind the output: the terminal's output waits (its process blocks on its writes) until `resume`. */
  pause(): void {
    this.container.stream.pause();
  }

  resume(): void {
    this.container.stream.resume();
  }

  /** The client went away (closed, or its connection died): the process is killed and removed. */
  hangUp(): Promise<void> {
    return this.finish(null, null);
  }

  private touch(): void {
    if (this.finished) return;
    clearTimeout(this.idle);
    this.idle = setTimeout(
      () => void this.finish(null, `the session was idle (no input or output) for ${Math.round(this.limits.idleMs / 1000)} s and was ended`),
      this.limits.idleMs,
    );
  }

  /**
   * Once: removes the container, then tells the client (its exit code, or why it ended; nothing when
   * it hung up), so a client that has the exit code knows nothing of the session is left.
   */
  private async finish(code: number | null, message: string | null): Promise<void> {
    if (this.finished) return this.removed;
    this.finished = true;
    clearTimeout(this.idle);
    clearTimeout(this.overall);
    this.container.stream.destroy();
    try {
      await this.container.remove();
    } catch (error) {
      this.log.error({ err: error, container: this.container.id }, "interactive one-off: could not remove its container");
    }
    try {
      if (code !== null) this.client.exit(code);
      else if (message !== null) this.client.end(message);
    } catch (error) {
      this.log.debug({ err: error }, "interactive one-off: could not tell the client how it ended");
    }
    await this.lease?.release().catch((error: unknown) => this.log.debug({ err: error }, "interactive one-off: could not release its lock"));
    this.log.info({ container: this.container.id, exitCode: code, reason: message ?? (code === null ? "client went away" : "exited") }, "interactive one-off ended");
    this.markRemoved();
  }
}

/** Starts interactive one-offs (`deis run -it`): who may, of what, with which limits; removes those whose session is gone. */
export class InteractiveRunService {
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly access: AccessService,
    private readonly deploys: DeployService,
    private readonly locks: LockStore,
    private readonly limits: InteractiveRunLimits,
    private readonly log: Logger,
  ) {}

  /**
   * A terminal in a new one-off of what the app serves (its image, config, network, volumes), for
   * those who may `run`: the owner, collaborators and admins. The session sends its output to `client`.
   */
  async start(ctx: RequestContext, appName: string, command: string, size: { readonly cols: unknown; readonly rows: unknown }, client: TerminalClient): Promise<InteractiveSession> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    validateCommand(command);
    const valid = validateTerminalSize(size);
    const container = await this.deploys.runInteractive(app.name, command, valid);
    if (!container) throw stateConflict(`${app.name} has nothing deployed yet: deploy an image or git push first`);
    const log = ctx.log.child({ app: app.name, container: container.id });
    // Without the cache the session still runs; only a sweep after this controller's death would miss it.
    const lease = await this.locks.tryAcquire(sessionLock(container.id), SESSION_LOCK_TTL_MS).catch((error: unknown) => {
      log.warn({ err: error }, "interactive one-off: could not take its session lock");
      return null;
    });
    log.info({ cols: valid.cols, rows: valid.rows }, "interactive one-off started");
    return new InteractiveSession(container, client, this.limits, log, lease);
  }

  /**
   * Removes the interactive one-offs on this engine whose session is gone: their controller died
   * (its lock lapsed) and nothing will end them. Older than a minute only (a new one's lock comes
   * just after its container). Returns how many it removed.
   */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const { id, startedAt } of await this.deploys.terminals()) {
      if (startedAt && now - startedAt.getTime() < ORPHAN_GRACE_MS) continue;
      const lease = await this.locks.tryAcquire(sessionLock(id), SESSION_LOCK_TTL_MS);
      if (!lease) continue; // its session lives
      try {
        await this.deploys.removeTerminal(id);
        removed += 1;
        this.log.info({ container: id }, "removed an interactive one-off whose session was gone");
      } finally {
        await lease.release();
      }
    }
    return removed;
  }

  /** Sweeps now and every minute. */
  startSweeping(): void {
    const sweep = () => void this.sweep().catch((error: unknown) => this.log.warn({ err: error }, "could not sweep interactive one-offs"));
    sweep();
    this.sweeper = setInterval(sweep, SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  stopSweeping(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}
