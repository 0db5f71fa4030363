import { EtcdDiscoveryStore } from "./etcd-store";
import { MemoryDiscoveryStore } from "./memory-store";
import type { DiscoveryStore } from "./store";

export * from "./keys";
export { DiscoveryUnavailable } from "./errors";
export { LeaderLoop, type LeaderWork } from "./leader";
export type { DiscoveryEvent, DiscoveryLease, DiscoveryStore, DiscoveryWatch, Leadership, WatchHandlers } from "./store";

/** etcd when endpoints are configured (keys below `namespace`), otherwise the in-process store. */
export function openDiscovery(endpoints: readonly string[], namespace = ""): DiscoveryStore {
  return endpoints.length > 0 ? new EtcdDiscoveryStore(endpoints, namespace) : new MemoryDiscoveryStore();
}
