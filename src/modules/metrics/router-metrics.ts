import type { Metric, Registry } from "prom-client";

/** One sample as prom-client's registry prints it (a histogram's have the _bucket/_sum/_count name). */
interface Sample {
  readonly metricName?: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

export type UpstreamErrorKind = "failed" | "timeout";

/** One app's counts: plain numbers a request only adds to; turned into series when scraped. */
class AppCounts {
  readonly byClass = new Float64Array(CLASSES.length);
  /** Per bucket (not cumulative; the last one is +Inf). */
  readonly buckets = new Float64Array(BUCKETS.length + 1);
  sum = 0;
  count = 0;
  failed = 0;
  timeout = 0;
}

/** A family prom-client's registry exposes (and its AggregatorRegistry sums across workers). */
interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "histogram";
  readonly aggregator: "sum";
  get(): Promise<{ name: string; help: string; type: string; aggregator: "sum"; values: Sample[] }>;
}

/**
 * The router's metrics: requests per app by status class, their latency, and upstream errors.
 * A request adds to an app's plain counters (no label hashing, no allocation once the app has been
 * seen); the series are made from them only when someone scrapes.
 */
export class RouterMetrics {
  private readonly apps = new Map<string, AppCounts>();

  constructor(registry: Registry) {
    const family = (name: string, help: string, type: Family["type"], values: () => Sample[]): Family => ({
      name,
      help,
      type,
      aggregator: "sum",
      get: async () => ({ name, help, type, aggregator: "sum", values: values() }),
    });
    const register = (metric: Family) => registry.registerMetric(metric as unknown as Metric);
    register(
      family(
        "deis_router_requests_total",
        "Requests the router answered for an app, by status class (499s, clients that left, count as 4xx).",
        "counter",
        () => this.each((app, counts) => CLASSES.map((statusClass, i) => ({ labels: { app, status_class: statusClass }, value: counts.byClass[i] }))),
      ),
    );
    register(
      family("deis_router_request_duration_seconds", "Time from a request's arrival at the router to the end of its answer, by app.", "histogram", () =>
        this.each((app, counts) => {
          const values: Sample[] = [];
          let cumulative = 0;
          for (let i = 0; i <= BUCKETS.length; i++) {
            cumulative += counts.buckets[i];
            const le = i < BUCKETS.length ? BUCKETS[i] : "+Inf";
            values.push({ metricName: "deis_router_request_duration_seconds_bucket", labels: { le, app }, value: cumulative });
          }
          values.push({ metricName: "deis_router_request_duration_seconds_sum", labels: { app }, value: counts.sum });
          values.push({ metricName: "deis_router_request_duration_seconds_count", labels: { app }, value: counts.count });
          return values;
        }),
      ),
    );
    register(
      family(
        "deis_router_upstream_errors_total",
        "Requests whose backends failed (502: refused or reset on every backend) or timed out (504).",
        "counter",
        () =>
          this.each((app, counts) => [
            { labels: { app, kind: "failed" }, value: counts.failed },
            { labels: { app, kind: "timeout" }, value: counts.timeout },
          ]),
      ),
    );
  }

  /** Called once per answered request. */
  observe(app: string, status: number, seconds: number): void {
    const counts = this.apps.get(app) ?? this.countsFor(app);
    const index = Math.floor(status / 100) - 1;
    counts.byClass[index >= 0 && index < 5 ? index : 4] += 1;
    let bucket = 0;
    while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]) bucket += 1;
    counts.buckets[bucket] += 1;
    counts.sum += seconds;
    counts.count += 1;
  }

  upstreamError(app: string, kind: UpstreamErrorKind): void {
    const counts = this.apps.get(app) ?? this.countsFor(app);
    if (kind === "failed") counts.failed += 1;
    else counts.timeout += 1;
  }

  private countsFor(app: string): AppCounts {
    const counts = new AppCounts();
    this.apps.set(app, counts);
    return counts;
  }

  private each(values: (app: string, counts: AppCounts) => Sample[]): Sample[] {
    return [...this.apps].flatMap(([app, counts]) => values(app, counts));
  }
}
