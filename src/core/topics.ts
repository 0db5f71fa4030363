/** A named channel whose payloads are of type T (JSON-safe: ids, strings, numbers, ISO dates). */
export interface Topic<T> {
  readonly name: string;
  /** Phantom: carries the payload type; never set. */
  readonly payload?: T;
}

export function topic<T>(name: string): Topic<T> {
  return { name };
}

// The platform's topics: the contract between the modules that publish and those that listen.

/** What happened to an app; published on the app's topic after the change commits. */
export enum AppEventType {
  RELEASE_CREATED = "RELEASE_CREATED",
  /** The release's processes are up and routed; the previous release's are gone. */
  RELEASE_DEPLOYED = "RELEASE_DEPLOYED",
  /** The release never became healthy; the previous release keeps serving. */
  RELEASE_FAILED = "RELEASE_FAILED",
  /** Scaled or restarted. */
  PROCESSES_CHANGED = "PROCESSES_CHANGED",
  CONFIG_CHANGED = "CONFIG_CHANGED",
  DOMAIN_ADDED = "DOMAIN_ADDED",
  DOMAIN_REMOVED = "DOMAIN_REMOVED",
  COLLABORATOR_ADDED = "COLLABORATOR_ADDED",
  COLLABORATOR_REMOVED = "COLLABORATOR_REMOVED",
  APP_TRANSFERRED = "APP_TRANSFERRED",
  APP_DESTROYED = "APP_DESTROYED",
  /** Maintenance mode, access rules, scheduled jobs or deploy hooks changed (no release): for live views to look again. */
  SETTINGS_CHANGED = "SETTINGS_CHANGED",
}

/** JSON-safe: names, numbers and ISO dates only. */
export interface AppEventPayload {
  readonly type: AppEventType;
  readonly app: string;
  readonly actor: string;
  readonly at: string;
  readonly version?: number;
  readonly domain?: string;
  readonly username?: string;
  readonly summary?: string;
  /** Why a release failed. */
  readonly reason?: string;
}

export function appEventsTopic(app: string): Topic<AppEventPayload> {
  return topic<AppEventPayload>(`app.${app}.events`);
}

/** Every app's events, on one topic: what live lists of apps follow (each subscriber sees only its apps). */
export const allAppEventsTopic: Topic<AppEventPayload> = topic<AppEventPayload>("apps.events");

/** One line of a build's output, as the pusher sees it. */
export interface BuildLogLine {
  readonly app: string;
  /** The commit being built. */
  readonly sha: string;
  readonly line: string;
  readonly at: string;
  /** Which push it comes from, and the line's number in it from 1: a late subscriber reads the lines so far, then follows from the next. */
  readonly build: string;
  readonly seq: number;
}

export function buildLogsTopic(app: string): Topic<BuildLogLine> {
  return topic<BuildLogLine>(`app.${app}.build-logs`);
}

/** Lines of a build kept for late subscribers (the whole log is saved with the build at its end). */
export const BUILD_LOG_LINES = 5_000;

/** Where the current build's lines are kept (a bounded list in the cache). */
export function buildLogKey(app: string): string {
  return `build-log:${app}`;
}

/**
 * What a release's release phase says, as the deployer runs it: its steps (`step`) and each line of
 * the release command's output. The builder relays a push's release's lines into the push output.
 */
export interface ReleasePhaseLine {
  readonly app: string;
  readonly version: number;
  readonly line: string;
  readonly step: boolean;
  readonly at: string;
}

export function releasePhaseTopic(app: string): Topic<ReleasePhaseLine> {
  return topic<ReleasePhaseLine>(`app.${app}.release-phase`);
}

/**
 * One log line before the log server stores it (DESIGN.md "Logs"): `source` is `web.1`, `router`,
 * `deis[api]`, `deis[builder]`, ...; the log server adds nothing but the bounds.
 */
export interface LogLine {
  readonly app: string;
  readonly source: string;
  readonly message: string;
  readonly at: string;
}

/** Every line any module sends to the log server. */
export const logIntakeTopic: Topic<LogLine> = topic<LogLine>("logs.intake");

/**
 * The app's stored lines, in the batches the log server stores them (lines that arrive together
 * travel together: one message on the bus per batch, not per line); `logs(app)` subscribers get
 * them one by one, in order.
 */
export function appLogBatchesTopic(app: string): Topic<readonly LogLine[]> {
  return topic<readonly LogLine[]>(`app.${app}.log-batches`);
}

/** An app's log drains changed (the log server reloads them). */
export const logDrainsChangedTopic: Topic<{ readonly app: string }> = topic<{ readonly app: string }>("logs.drains-changed");

/** An app's syslog ingest token changed (the log server takes the new one and forgets the old). */
export const logIngestTokenChangedTopic: Topic<{ readonly app: string }> = topic<{ readonly app: string }>("logs.ingest-token-changed");

/** What the platform says in an app's log about an event (`deis[api]: alice scaled web=3`); null: nothing. */
export function activityLine(event: AppEventPayload): LogLine | null {
  const said = (message: string): LogLine => ({ app: event.app, source: "deis[api]", message, at: event.at });
  switch (event.type) {
    case AppEventType.RELEASE_CREATED:
    case AppEventType.PROCESSES_CHANGED:
      return event.summary ? said(event.summary) : null;
    case AppEventType.RELEASE_DEPLOYED:
      return said(`v${event.version} deployed`);
    case AppEventType.RELEASE_FAILED:
      return said(`v${event.version} failed to deploy: ${event.reason ?? "unknown reason"}; the previous release keeps serving`);
    case AppEventType.DOMAIN_ADDED:
      return said(`${event.actor} added domain ${event.domain}`);
    case AppEventType.DOMAIN_REMOVED:
      return said(`${event.actor} removed domain ${event.domain}`);
    case AppEventType.COLLABORATOR_ADDED:
      return said(`${event.actor} added collaborator ${event.username}`);
    case AppEventType.COLLABORATOR_REMOVED:
      return said(`${event.actor} removed collaborator ${event.username}`);
    case AppEventType.APP_TRANSFERRED:
      return said(`${event.actor} transferred the app to ${event.username}`);
    case AppEventType.CONFIG_CHANGED:
    case AppEventType.APP_DESTROYED:
    case AppEventType.SETTINGS_CHANGED:
      return null;
  }
}

/** Anything that publishes on topics (the cache's EventBus, a transaction's queue). */
export interface Publisher {
  publish<T>(topic: Topic<T>, payload: T): unknown;
}

/**
 * Publishes an app event for `appEvents` and `appListEvents` subscribers and its line for the app's log. The publish
 * calls are made at once, so a transaction's queue holds both before it commits.
 */
export async function announce(bus: Publisher, event: AppEventPayload): Promise<void> {
  const line = activityLine(event);
  await Promise.all([bus.publish(appEventsTopic(event.app), event), bus.publish(allAppEventsTopic, event), line ? bus.publish(logIntakeTopic, line) : null]);
}

/** An app was destroyed: modules that keep per-app state (the log server) forget it. */
export const appDestroyedTopic: Topic<{ readonly app: string }> = topic<{ readonly app: string }>("apps.destroyed");

/** Why API sessions ended. */
export type SessionsEndedReason = "logout" | "token-regenerated" | "password-changed" | "account-cancelled" | "admin-revoked";

/**
 * API tokens that stopped being good (revoked) or whose user lost admin rights, published after
 * the change commits: every API process closes the live subscriptions opened with them.
 */
export interface SessionsEndedPayload {
  /** The tokens' SHA-256 hashes as the database keeps them (never a token itself). */
  readonly tokenHashes: readonly string[];
  readonly reason: SessionsEndedReason;
}

export const sessionsEndedTopic: Topic<SessionsEndedPayload> = topic<SessionsEndedPayload>("auth.sessions-ended");
