import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";
import { Registry } from "prom-client";
import { RouterMetrics } from "../../../src/modules/metrics";

describe("RouterMetrics", () => {
  test("counts by app and status class, a cumulative latency histogram and upstream errors, as Prometheus reads them", async () => {
    const registry = new Registry();
    const metrics = new RouterMetrics(registry);
    metrics.observe("web-a", 200, 0.003);
    metrics.observe("web-a", 204, 0.2);
    metrics.observe("web-a", 404, 40); // beyond the last bucket: only +Inf
    metrics.observe("web-a", 499, 0.001);
    metrics.observe("web-b", 502, 0.01);
    metrics.upstreamError("web-b", "failed");
    metrics.upstreamError("web-b", "timeout");
    metrics.upstreamError("web-b", "timeout");
    // The histogram's TYPE line is left out: the parser folds a histogram's labelled series into one.
    const families = new Map<string, PrometheusFamily>();
    for (const family of parsePrometheusTextFormat((await registry.metrics()).replace(/^# TYPE \S+ histogram$/gm, ""))) {
      const known = families.get(family.name);
      families.set(family.name, known ? { ...known, metrics: [...known.metrics, ...family.metrics] } : family);
    }
    const value = (name: string, labels: Record<string, string>) =>
      Number(families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value);
    expect(families.get("deis_router_requests_total")?.type).toBe("COUNTER");
    expect(value("deis_router_requests_total", { app: "web-a", status_class: "2xx" })).toBe(2);
    expect(value("deis_router_requests_total", { app: "web-a", status_class: "4xx" })).toBe(2);
    expect(value("deis_router_requests_total", { app: "web-a", status_class: "5xx" })).toBe(0);
    expect(value("deis_router_requests_total", { app: "web-b", status_class: "5xx" })).toBe(1);
    expect(value("deis_router_request_duration_seconds_bucket", { app: "web-a", le: "0.001" })).toBe(1);
    expect(value("deis_router_request_duration_seconds_bucket", { app: "web-a", le: "0.005" })).toBe(2);
    expect(value("deis_router_request_duration_seconds_bucket", { app: "web-a", le: "30" })).toBe(3);
    expect(value("deis_router_request_duration_seconds_bucket", { app: "web-a", le: "+Inf" })).toBe(4);
    expect(value("deis_router_request_duration_seconds_count", { app: "web-a" })).toBe(4);
    expect(value("deis_router_request_duration_seconds_sum", { app: "web-a" })).toBeCloseTo(40.204, 6);
    expect(value("deis_router_upstream_errors_total", { app: "web-b", kind: "failed" })).toBe(1);
    expect(value("deis_router_upstream_errors_total", { app: "web-b", kind: "timeout" })).toBe(2);
  });
});
