import { randomUUID } from "node:crypto";
import type { User } from "../entities";
import type { Logger } from "./logger";

/**
 * Who is asking and how to report: the first argument of every service method. One per API
 * request; background work (deploys, the reconciler) makes its own with `systemContext`.
 */
export class RequestContext {
  private readonly scoped = new Map<string, unknown>();

  constructor(
    readonly requestId: string,
    readonly user: User | null,
    readonly log: Logger,
    /** The API token this request authenticated with (logout revokes it). */
    readonly tokenId: string | null = null,
    /** The caller's network address, for rate limits. */
    readonly clientAddress: string | null = null,
  ) {}

  /** A per-request value (e.g. a DataLoader), made on first use. */
  scope<T>(key: string, create: () => T): T {
    if (!this.scoped.has(key)) this.scoped.set(key, create());
    return this.scoped.get(key) as T;
  }

  get actorName(): string {
    return this.user?.username ?? "deis";
  }
}

export function systemContext(log: Logger, requestId: string = randomUUID()): RequestContext {
  return new RequestContext(requestId, null, log.child({ requestId }));
}
