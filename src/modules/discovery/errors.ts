import { DomainError } from "../../core/errors";

/** etcd did not answer within its bound (stopped, paused, unreachable): nothing can be read or written now. */
export class DiscoveryUnavailable extends DomainError {
  constructor(cause?: unknown) {
    super("UNAVAILABLE", "discovery (etcd) is not reachable; try again when it is back", { component: "discovery" }, { cause });
    this.name = "DiscoveryUnavailable";
  }
}
