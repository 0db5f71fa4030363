import { Counter, Histogram, type Registry } from "prom-client";

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/** One app's label children, made once when the app is first seen: a request only indexes into them. */
interface AppChildren {
  readonly byClass: readonly Counter.Internal[];
  readonly duration: Histogram.Internal<"app">;
  readonly upstreamErrors: { readonly [kind in UpstreamErrorKind]: Counter.Internal };
}

export type UpstreamErrorKind = "failed" | "timeout";

/** The router's metrics: requests per app by status class, their latency, and upstream errors. */
export class RouterMetrics {
  private readonly requests: Counter<"app" | "status_class">;
  private readonly duration: Histogram<"app">;
  private readonly upstreamErrors: Counter<"app" | "kind">;
  private readonly apps = new Map<string, AppChildren>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: "deis_router_requests_total",
      help: "Requests the router answered for an app, by status class (499s, clients that left, count as 4xx).",
      labelNames: ["app", "status_class"],
      registers,
    });
    this.duration = new Histogram({
      name: "deis_router_request_duration_seconds",
      help: "Time from a request's arrival at the router to the end of its answer, by app.",
      labelNames: ["app"],
      buckets: BUCKETS,
      registers,
    });
    this.upstreamErrors = new Counter({
      name: "deis_router_upstream_errors_total",
      help: "Requests whose backends failed (502: refused or reset on every backend) or timed out (504).",
      labelNames: ["app", "kind"],
      registers,
    });
  }

  /** Called once per answered request; allocates nothing once the app has been seen. */
  observe(app: string, status: number, seconds: number): void {
    const children = this.apps.get(app) ?? this.childrenFor(app);
    const index = Math.floor(status / 100) - 1;
    children.byClass[index >= 0 && index < 5 ? index : 4].inc();
    children.duration.observe(seconds);
  }

  upstreamError(app: string, kind: UpstreamErrorKind): void {
    (this.apps.get(app) ?? this.childrenFor(app)).upstreamErrors[kind].inc();
  }

  /** Drops an app's series (the app is gone from the route table). */
  forget(app: string): void {
    if (!this.apps.delete(app)) return;
    for (const statusClass of CLASSES) this.requests.remove({ app, status_class: statusClass });
    this.duration.remove({ app });
    this.upstreamErrors.remove({ app, kind: "failed" });
    this.upstreamErrors.remove({ app, kind: "timeout" });
  }

  private childrenFor(app: string): AppChildren {
    const children: AppChildren = {
      byClass: CLASSES.map((statusClass) => this.requests.labels({ app, status_class: statusClass })),
      duration: this.duration.labels({ app }),
      upstreamErrors: { failed: this.upstreamErrors.labels({ app, kind: "failed" }), timeout: this.upstreamErrors.labels({ app, kind: "timeout" }) },
    };
    this.apps.set(app, children);
    return children;
  }
}
