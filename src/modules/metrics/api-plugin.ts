import { performance } from "node:perf_hooks";
import type { ApolloServerPlugin } from "@apollo/server";
import type { PlatformMetrics } from "./platform-metrics";

/**
 * Counts each GraphQL request over HTTP by operation name and outcome ("ok", or the code of its
 * first error as the client sees it: BAD_USER_INPUT, FORBIDDEN, ...) and times it.
 */
export function apiMetricsPlugin(metrics: PlatformMetrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, request, response }) {
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          const code = errors?.[0]?.extensions?.code;
          const outcome = errors && errors.length > 0 ? (typeof code === "string" ? code : "ERROR") : "ok";
          metrics.apiRequest(operationName ?? request.operationName, outcome, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
