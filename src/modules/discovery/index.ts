import type * as EtcdStoreModule from "./etcd-store";
import { MemoryDiscoveryStore } from "./memory-store";
import type { DiscoveryStore } from "./store";

export * from "./keys";
export { DiscoveryUnavailable } from "./errors";
export { LeaderLoop, type LeaderWork } from "./leader";
export type { DiscoveryEvent, DiscoveryLease, DiscoveryStore, DiscoveryWatch, Leadership, WatchHandlers } from "./store";

/**
 * etcd when endpoints are configured (keys below `namespace`), otherwise the in-process store. The
 * etcd client (gRPC, about 20 MB) is loaded only when it is used.
 */
export function openDiscovery(endpoints: readonly string[], namespace = ""): DiscoveryStore {
  if (endpoints.length === 0) return new MemoryDiscoveryStore();
  const { EtcdDiscoveryStore } = require("./etcd-store") as typeof EtcdStoreModule;
  return new EtcdDiscoveryStore(endpoints, namespace);
}
