/** A change under a watched prefix. */
export interface DiscoveryEvent {
  readonly type: "put" | "delete";
  readonly key: string;
  /** The new value for a put; null for a delete. */
  readonly value: string | null;
}

export interface WatchHandlers {
  onEvent(event: DiscoveryEvent): void;
  /** The watch lost its place (e.g. history compacted while disconnected): reload with getPrefix. */
  onResync?(): void;
}

export interface DiscoveryWatch {
  close(): Promise<void>;
}

/**
 * Keys written under a lease vanish when the lease ends: revoked, or expired because its holder
 * stopped renewing (a dead controller's routes expire). It renews itself while its process lives.
 */
export interface DiscoveryLease {
  put(key: string, value: string): Promise<void>;
  revoke(): Promise<void>;
  /** Called once if the store says the lease is gone (expired while unreachable); make a new one. */
  onLost(handler: () => void): void;
}

/** Being the one leader of an election; `onLost` fires if leadership ends without `resign`. */
export interface Leadership {
  resign(): Promise<void>;
  onLost(handler: () => void): void;
}

/**
 * Shared configuration and service discovery (DESIGN.md "discovery"): etcd v3, or an in-process
 * store with the same contract for a single host.
 */
export interface DiscoveryStore {
  readonly backend: "etcd" | "memory";
  get(key: string): Promise<string | null>;
  /** Every key under the prefix with its value. */
  getPrefix(prefix: string): Promise<Map<string, string>>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Resolves when the store answers; DiscoveryUnavailable when it does not within its bound. */
  reachable(): Promise<void>;
  /** Changes under the prefix from now on, in order; resumes by itself after a disconnection. */
  watchPrefix(prefix: string, handlers: WatchHandlers): Promise<DiscoveryWatch>;
  lease(ttlSeconds: number): Promise<DiscoveryLease>;
  /** Resolves when this candidate leads the named election (at once, in process). */
  campaign(election: string, candidate: string): Promise<Leadership>;
  close(): Promise<void>;
}
