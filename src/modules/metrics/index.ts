export { PlatformMetrics, type Outcome } from "./platform-metrics";
export { RouterMetrics, type UpstreamErrorKind } from "./router-metrics";
export { type MetricsAccess, type MetricsMode, METRICS_CONTENT_TYPE, metricsRefusal, serveMetrics } from "./access";
export { apiMetricsPlugin } from "./api-plugin";
