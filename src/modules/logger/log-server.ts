import type { Logger } from "../../core/logger";
import { timingSafeEqual } from "node:crypto";
import { type LogLine, appDestroyedTopic, logDrainsChangedTopic, logIngestTokenChangedTopic, logIntakeTopic } from "../../core/topics";
import type { LogControl } from "../controller";
import type { EventBus } from "../cache";
import { type DiscoveryStore, LeaderLoop } from "../discovery";
import type { DockerEngine } from "../docker";
import { ContainerLogFollower } from "./container-logs";
import type { DrainGuard } from "./drain-guard";
import { DrainForwarder } from "./drains";
import type { LogStore } from "./log-store";
import type { PlatformMetrics } from "../metrics";
import { type RunningSyslog, startSyslog } from "./syslog";

export interface LogServerOptions {
  readonly platformId: string;
  /** Where the syslog receiver listens (UDP and TCP); null: no receiver. */
  readonly syslog: { readonly host: string; readonly port: number } | null;
  /** Checks each drain's host on every connect (DrainGuard). */
  readonly drainGuard: DrainGuard;
  /** Lines taken in and dropped are counted here when given. */
  readonly metrics?: PlatformMetrics;
}

/** Equal tokens, compared in constant time. */
function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The log server (DESIGN.md "log server"): one elected process takes in every line — app
 * containers' output from the Docker engine, the router's and the platform's lines from the intake
 * topic, syslog from other sources — stores the recent ones per app and publishes them for live
 * tails, in order, and copies them to the app's drains.
 */
export class LogServer {
  private readonly loop: LeaderLoop;
  private pending: LogLine[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private drains = new Map<string, string[]>();
  /** Every app there is, with its syslog ingest token. */
  private apps = new Map<string, string>();
  private readonly lookups = new Map<string, { at: number; token: Promise<string | null> }>();
  /** Apps whose token rotated while a full reload ran: the reload must not put their old token back. */
  private rotatedDuringReload: Set<string> | null = null;
  /** Apps destroyed while this process leads; their lines are dropped. */
  private readonly destroyed = new Set<string>();
  private garbage = 0;
  private lastComplaint = 0;
  private readonly forwarder: DrainForwarder;
  private readonly fromSyslog = new Set<LogLine>();
  syslogPort: number | null = null;

  constructor(
    private readonly control: LogControl,
    private readonly store: LogStore,
    private readonly events: EventBus,
    discovery: DiscoveryStore,
    private readonly engine: DockerEngine,
    private readonly options: LogServerOptions,
    private readonly log: Logger,
  ) {
    this.forwarder = new DrainForwarder(options.drainGuard, log);
    this.loop = new LeaderLoop(discovery, `${options.platformId}-logger`, String(process.pid), () => this.lead(), log);
  }

  start(): void {
    this.loop.start();
  }

  /**
   * Queues lines; they are stored and published in the order they came, in batches. Lines that
   * came in as syslog are never sent on to drains: a drain pointing back at the receiver would
   * otherwise multiply every line for ever.
   */
  take(line: LogLine, fromSyslog = false): void {
    if (fromSyslog) this.fromSyslog.add(line);
    this.pending.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.pending;
      this.pending = [];
      this.flushing = this.flushing.then(() => this.write(batch));
    });
  }

  private async write(all: LogLine[]): Promise<void> {
    // Only apps that exist get logs: a destroyed app's last lines must not bring its logs back, and
    // requests for names nobody has (any Host header) must not fill the store.
    const known = new Map<string, boolean>();
    for (const app of new Set(all.map((line) => line.app))) known.set(app, await this.isKnown(app));
    const batch = all.filter((line) => known.get(line.app));
    this.options.metrics?.logLinesIn(all.length);
    this.options.metrics?.logLinesDropped("unknown_app", all.length - batch.length);
    try {
      await this.store.ingest(batch);
    } catch (error) {
      this.options.metrics?.logLinesDropped("store_failed", batch.length);
      this.log.error({ err: error, lines: batch.length }, "could not store log lines");
    }
    for (const line of batch) {
      if (this.fromSyslog.has(line)) continue;
      for (const url of this.drains.get(line.app) ?? []) this.forwarder.send(url, line);
    }
    for (const line of all) this.fromSyslog.delete(line);
  }

  /** While elected: take in every line, follow the containers, receive syslog. Returns how to stop. */
  private async lead(): Promise<() => Promise<void>> {
    const stops: (() => Promise<void> | void)[] = [];
    const undo = async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
      this.syslogPort = null;
    };
    try {
      await this.startLeading(stops);
    } catch (error) {
      await undo();
      throw error;
    }
    return undo;
  }

  private async startLeading(stops: (() => Promise<void> | void)[]): Promise<void> {
    await this.reloadDrains();
    await this.reloadApps();
    const intake = await this.events.subscribe(logIntakeTopic);
    void (async () => {
      for await (const line of intake) this.take(line);
    })();
    stops.push(() => void intake.return?.());
    const gone = await this.events.subscribe(appDestroyedTopic);
    void (async () => {
      for await (const { app } of gone) {
        if (this.destroyed.size > 10_000) this.destroyed.clear();
        this.destroyed.add(app);
        this.apps.delete(app);
        this.drains.delete(app);
        this.flushing = this.flushing.then(() => this.store.clear(app)).catch(() => undefined);
      }
    })();
    stops.push(() => void gone.return?.());
    const changes = await this.events.subscribe(logDrainsChangedTopic);
    void (async () => {
      for await (const change of changes) await this.reloadDrains(change.app).catch(() => undefined);
    })();
    stops.push(() => void changes.return?.());
    const rotations = await this.events.subscribe(logIngestTokenChangedTopic);
    void (async () => {
      for await (const { app } of rotations) await this.reloadToken(app).catch(() => undefined);
    })();
    stops.push(() => void rotations.return?.());
    const follower = new ContainerLogFollower(this.engine, this.options.platformId, (line) => this.take(line), this.log);
    follower.start(Math.floor(Date.now() / 1000));
    stops.push(() => follower.stop());
    const refresh = setInterval(() => void this.reloadApps().catch(() => undefined), 10_000);
    refresh.unref();
    stops.push(() => clearInterval(refresh));
    if (this.options.syslog) {
      const syslog: RunningSyslog = await startSyslog(
        this.options.syslog.host,
        this.options.syslog.port,
        (message) => {
          // Senders may not speak as the platform (deis[api], deis[builder]); a line lands only with the app's token.
          if (message.source.startsWith("deis")) return this.refuse(`the source ${message.source} is the platform's`);
          const given = message.token;
          if (!given) return this.refuse(`a line for ${message.app} without an ingest token`);
          void this.tokenOf(message.app).then((token) =>
            token !== null && sameToken(given, token)
              ? this.take({ app: message.app, source: message.source, message: message.message, at: message.at ?? new Date().toISOString() }, true)
              : this.refuse(`a line for ${message.app} without its ingest token (or no such app)`),
          );
        },
        (raw) => this.refuse(`not syslog: ${JSON.stringify(raw.slice(0, 80))}`),
      );
      this.syslogPort = syslog.port;
      stops.push(() => syslog.close());
    }
  }

  /** Counts what syslog senders got wrong; says so in the platform's log at most every 10 s. */
  private refuse(reason: string): void {
    this.garbage += 1;
    this.options.metrics?.logLinesDropped("syslog_refused");
    if (Date.now() - this.lastComplaint > 10_000) {
      this.lastComplaint = Date.now();
      this.log.warn({ dropped: this.garbage, reason }, "dropped syslog messages that do not parse or lack the app's ingest token");
    }
  }

  /** Is there such an app? (Container and platform lines of apps that do not exist are dropped.) */
  private async isKnown(app: string): Promise<boolean> {
    return (await this.tokenOf(app)) !== null;
  }

  /**
   * The app's ingest token; null when there is no such app. A name not yet seen is looked up once
   * (again after 5 s at most); lines that arrive meanwhile wait for the same answer, so they keep
   * their order.
   */
  private tokenOf(app: string): Promise<string | null> {
    const known = this.apps.get(app);
    if (known !== undefined) return Promise.resolve(known);
    if (this.destroyed.has(app)) return Promise.resolve(null);
    const cached = this.lookups.get(app);
    if (cached && Date.now() - cached.at < 5_000) return cached.token;
    if (this.lookups.size > 10_000) this.lookups.clear();
    const token = this.control
      .ingestToken(app)
      .then((found) => {
        if (found !== null && !this.destroyed.has(app)) this.apps.set(app, found);
        return found;
      })
      .catch(() => null);
    this.lookups.set(app, { at: Date.now(), token });
    return token;
  }

  /** After a rotation: the app's token as it is now (the old one stops working here). */
  private async reloadToken(app: string): Promise<void> {
    this.lookups.delete(app);
    this.rotatedDuringReload?.add(app);
    const found = await this.control.ingestToken(app);
    if (found !== null && !this.destroyed.has(app)) this.apps.set(app, found);
    else this.apps.delete(app);
  }

  private async reloadApps(): Promise<void> {
    const rotated = new Set<string>();
    this.rotatedDuringReload = rotated;
    let next: Map<string, string>;
    try {
      next = await this.control.ingestTokens();
    } finally {
      if (this.rotatedDuringReload === rotated) this.rotatedDuringReload = null;
    }
    for (const app of rotated) {
      const current = this.apps.get(app);
      if (current === undefined) next.delete(app);
      else next.set(app, current);
    }
    this.apps = next;
    // A name used again by a new app is that app's.
    for (const app of this.destroyed) if (this.apps.has(app)) this.destroyed.delete(app);
  }

  private async reloadDrains(app?: string): Promise<void> {
    const rows = await this.control.drainTargets(app);
    if (app) this.drains.delete(app);
    else this.drains.clear();
    for (const row of rows) this.drains.set(row.app, [...(this.drains.get(row.app) ?? []), row.url]);
    this.forwarder.keepOnly(new Set([...this.drains.values()].flat()));
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.flushing;
    this.forwarder.close();
  }

  /** Lines dropped from syslog senders since start (garbage or unknown apps). */
  get dropped(): number {
    return this.garbage;
  }
}
