import { type Topic, topic } from "../cache";

/** What happened to an app; published on the app's topic after the change commits. */
export enum AppEventType {
  RELEASE_CREATED = "RELEASE_CREATED",
  CONFIG_CHANGED = "CONFIG_CHANGED",
  DOMAIN_ADDED = "DOMAIN_ADDED",
  DOMAIN_REMOVED = "DOMAIN_REMOVED",
  COLLABORATOR_ADDED = "COLLABORATOR_ADDED",
  COLLABORATOR_REMOVED = "COLLABORATOR_REMOVED",
  APP_TRANSFERRED = "APP_TRANSFERRED",
  APP_DESTROYED = "APP_DESTROYED",
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
}

export function appEventsTopic(app: string): Topic<AppEventPayload> {
  return topic<AppEventPayload>(`app.${app}.events`);
}

/** Every release, of every app: the runtime listens here to deploy. */
export interface ReleaseCreatedPayload {
  readonly app: string;
  readonly version: number;
  readonly releaseId: string;
}

export const releasesTopic: Topic<ReleaseCreatedPayload> = topic<ReleaseCreatedPayload>("releases");
