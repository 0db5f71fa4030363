import type { DiscoveryEvent, DiscoveryLease, DiscoveryStore, DiscoveryWatch, Leadership, WatchHandlers } from "./store";

/**
 * The embedded twin of etcd for a single host: the same contract in one process. Leases never
 * expire on their own here (their holder is this process); elections are won at once, in turn.
 */
export class MemoryDiscoveryStore implements DiscoveryStore {
  readonly backend = "memory" as const;
  private readonly data = new Map<string, string>();
  private readonly watchers = new Set<{ prefix: string; handlers: WatchHandlers }>();
  private readonly leaders = new Map<string, Promise<void>>();

  async get(key: string): Promise<string | null> {
    return this.data.get(key) ?? null;
  }

  async getPrefix(prefix: string): Promise<Map<string, string>> {
    return new Map([...this.data].filter(([key]) => key.startsWith(prefix)));
  }

  async put(key: string, value: string): Promise<void> {
    this.data.set(key, value);
    this.emit({ type: "put", key, value });
  }

  async delete(key: string): Promise<void> {
    if (this.data.delete(key)) this.emit({ type: "delete", key, value: null });
  }

  async reachable(): Promise<void> {}

  async watchPrefix(prefix: string, handlers: WatchHandlers): Promise<DiscoveryWatch> {
    const watcher = { prefix, handlers };
    this.watchers.add(watcher);
    return { close: async () => void this.watchers.delete(watcher) };
  }

  async lease(): Promise<DiscoveryLease> {
    const keys = new Set<string>();
    return {
      put: async (key, value) => {
        keys.add(key);
        await this.put(key, value);
      },
      revoke: async () => {
        for (const key of keys) await this.delete(key);
        keys.clear();
      },
      onLost: () => undefined,
    };
  }

  async campaign(election: string): Promise<Leadership> {
    const previous = this.leaders.get(election) ?? Promise.resolve();
    let resign!: () => void;
    const term = new Promise<void>((resolve) => (resign = resolve));
    this.leaders.set(election, previous.then(() => term));
    await previous;
    return { resign: async () => resign(), onLost: () => undefined };
  }

  async close(): Promise<void> {
    this.watchers.clear();
  }

  private emit(event: DiscoveryEvent): void {
    for (const { prefix, handlers } of this.watchers) if (event.key.startsWith(prefix)) handlers.onEvent(event);
  }
}
