import { ConsecutiveBreaker, ConstantBackoff, ExponentialBackoff, circuitBreaker, handleWhen, retry } from "cockatiel";
import { Etcd3, GRPCCancelledError, type Lease, type Namespace, isRecoverableError } from "etcd3";
import { DomainError } from "../../core/errors";
import { DiscoveryUnavailable } from "./errors";
import type { DiscoveryEvent, DiscoveryLease, DiscoveryStore, DiscoveryWatch, Leadership, WatchHandlers } from "./store";

/** How long one etcd call may take (gRPC deadline), and one operation with its retry. */
const CALL_DEADLINE_MS = 500;
const OPERATION_BOUND_MS = 1_000;

/**
 * A failure that says etcd is in trouble. etcd3 counts a cancelled call as one too, but the calls
 * it cancels are its own: the watch each election waiter drops once the key it waited on is gone.
 * When a dead controller's leadership keys expired, three elections woke at once, their three
 * cancels opened the circuit, and the campaigns that followed failed; each retry then waited behind
 * its own failed attempt's key (10 s), so a takeover took 25 s or more.
 */
const etcdFault = (error: Error) => isRecoverableError(error) && !(error instanceof GRPCCancelledError);

/**
 * Discovery on etcd v3 (etcd3): prefix reads and watches, leases with keep-alive, elections.
 * Every read and write is bounded: when etcd does not answer (stopped, paused, partitioned) it
 * fails with DiscoveryUnavailable within {@link OPERATION_BOUND_MS}, never after etcd3's defaults
 * (no deadline, three retries).
 */
export class EtcdDiscoveryStore implements DiscoveryStore {
  readonly backend = "etcd" as const;
  private readonly connection: Etcd3;
  /** Every key below `namespace`, so several platforms (or test files) can share one etcd. */
  private readonly client: Etcd3 | Namespace;
  private readonly leases = new Set<Lease>();

  constructor(endpoints: readonly string[], namespace = "") {
    this.connection = new Etcd3({
      hosts: [...endpoints],
      dialTimeout: OPERATION_BOUND_MS,
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + CALL_DEADLINE_MS }),
      // Watches (the router's routes) come back within 2 s of etcd, not after etcd3's default 30 s.
      faultHandling: {
        // One quick retry (a connection reset), not three: the caller answers within its bound.
        global: retry(handleWhen(etcdFault), { maxAttempts: 1, backoff: new ConstantBackoff(50) }),
        // After three failed calls in a row, calls fail at once until one gets through (after 1 s;
        // etcd3's default is 5 s).
        host: () => circuitBreaker(handleWhen(etcdFault), { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(3) }),
        watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }).next(),
      },
    });
    this.client = namespace ? this.connection.namespace(namespace) : this.connection;
  }

  async get(key: string): Promise<string | null> {
    return bounded(() => this.client.get(key).string());
  }

  async getPrefix(prefix: string): Promise<Map<string, string>> {
    return new Map(Object.entries(await bounded(() => this.client.getAll().prefix(prefix).strings())));
  }

  async put(key: string, value: string): Promise<void> {
    await bounded(() => this.client.put(key).value(value).exec());
  }

  async delete(key: string): Promise<void> {
    await bounded(() => this.client.delete().key(key).exec());
  }

  async reachable(): Promise<void> {
    await bounded(() => this.client.get("/deis/platform/domain").exists());
  }

  async watchPrefix(prefix: string, handlers: WatchHandlers): Promise<DiscoveryWatch> {
    const watcher = await bounded(() => this.client.watch().prefix(prefix).create());
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
    await bounded(() => lease.grant()).catch((error: unknown) => {
      lease.release();
      throw error;
    });
    this.leases.add(lease);
    lease.once("lost", () => this.leases.delete(lease));
    return {
      put: async (key, value) => {
        await bounded(() => lease.put(key).value(value).exec());
      },
      revoke: async () => {
        this.leases.delete(lease);
        await bounded(() => lease.revoke());
      },
      onLost: (handler) => void lease.once("lost", () => handler()),
    };
  }

  async campaign(election: string, candidate: string): Promise<Leadership> {
    const campaign = this.client.election(election, 10).campaign(candidate);
    const lost: (() => void)[] = [];
    campaign.on("error", () => lost.splice(0).forEach((handler) => handler()));
    await campaign.wait().catch(async (error: unknown) => {
      // Its key would stay until its lease expires, and the next campaign would wait behind it.
      await bounded(() => campaign.resign()).catch(() => undefined);
      throw error;
    });
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

/**
 * Runs one etcd operation within {@link OPERATION_BOUND_MS}; a transport failure or no answer in
 * time becomes DiscoveryUnavailable (the one place etcd's transport errors are translated).
 */
async function bounded<T>(operation: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DiscoveryUnavailable(new Error(`no answer from etcd in ${OPERATION_BOUND_MS} ms`))), OPERATION_BOUND_MS);
  });
  try {
    return await Promise.race([operation(), late]);
  } catch (error) {
    throw error instanceof DomainError ? error : new DiscoveryUnavailable(error);
  } finally {
    clearTimeout(timer);
  }
}
