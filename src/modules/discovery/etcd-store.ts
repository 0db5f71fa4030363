import { ExponentialBackoff } from "cockatiel";
import { Etcd3, type Lease, type Namespace } from "etcd3";
import type { DiscoveryEvent, DiscoveryLease, DiscoveryStore, DiscoveryWatch, Leadership, WatchHandlers } from "./store";

/** Discovery on etcd v3 (etcd3): prefix reads and watches, leases with keep-alive, elections. */
export class EtcdDiscoveryStore implements DiscoveryStore {
  readonly backend = "etcd" as const;
  private readonly connection: Etcd3;
  /** Every key below `namespace`, so several platforms (or test files) can share one etcd. */
  private readonly client: Etcd3 | Namespace;
  private readonly leases = new Set<Lease>();

  constructor(endpoints: readonly string[], namespace = "") {
    this.connection = new Etcd3({
      hosts: [...endpoints],
      dialTimeout: 3_000,
      // Watches (the router's routes) come back within 2 s of etcd, not after etcd3's default 30 s.
      faultHandling: { watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }).next() },
    });
    this.client = namespace ? this.connection.namespace(namespace) : this.connection;
  }

  async get(key: string): Promise<string | null> {
    return this.client.get(key).string();
  }

  async getPrefix(prefix: string): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.client.getAll().prefix(prefix).strings()));
  }

  async put(key: string, value: string): Promise<void> {
    await this.client.put(key).value(value);
  }

  async delete(key: string): Promise<void> {
    await this.client.delete().key(key);
  }

  async watchPrefix(prefix: string, handlers: WatchHandlers): Promise<DiscoveryWatch> {
    const watcher = await this.client.watch().prefix(prefix).create();
    const emit = (type: DiscoveryEvent["type"]) => (kv: { key: Buffer; value: Buffer }) =>
      handlers.onEvent({ type, key: kv.key.toString(), value: type === "put" ? kv.value.toString() : null });
    watcher.on("put", emit("put"));
    watcher.on("delete", emit("delete"));
    // etcd3 resumes a watch from its last revision after a reconnection; only a compacted
    // history loses events, and then the watcher errors: the owner reloads.
    watcher.on("error", () => handlers.onResync?.());
    return { close: () => watcher.cancel() };
  }

  async lease(ttlSeconds: number): Promise<DiscoveryLease> {
    const lease: Lease = this.client.lease(ttlSeconds, { autoKeepAlive: true });
    await lease.grant();
    this.leases.add(lease);
    lease.once("lost", () => this.leases.delete(lease));
    return {
      put: async (key, value) => {
        await lease.put(key).value(value);
      },
      revoke: async () => {
        this.leases.delete(lease);
        await lease.revoke();
      },
      onLost: (handler) => void lease.once("lost", () => handler()),
    };
  }

  async campaign(election: string, candidate: string): Promise<Leadership> {
    const campaign = this.client.election(election, 10).campaign(candidate);
    const lost: (() => void)[] = [];
    campaign.on("error", () => lost.splice(0).forEach((handler) => handler()));
    await campaign.wait();
    return {
      resign: () => campaign.resign(),
      onLost: (handler) => void lost.push(handler),
    };
  }

  /**
   * Stops renewing leases without revoking them: their keys (routes) live out their TTL, so a
   * restarting controller does not take apps offline, and a dead one's routes still expire.
   */
  async close(): Promise<void> {
    for (const lease of this.leases) lease.release();
    this.leases.clear();
    this.connection.close();
  }
}
