/**
 * The router under test for bench/metrics, in its own processes: one cluster worker with an
 * in-process discovery store holding the app `BENCH_APP` on `BENCH_DOMAIN` (backend
 * `BENCH_BACKEND`), with metrics when BENCH_METRICS=1 (counted per request, /metrics for
 * loopback) or without. Prints `listening <port>`; stops on SIGTERM. Started by run.ts.
 */
import { createLogger } from "../../src/core/logger";
import { openDiscovery, platformKey, serviceKey } from "../../src/modules/discovery";
import { formatRequestLine, startRouterWorkers } from "../../src/modules/proxy";

async function main(): Promise<void> {
  const [backend, domain, app] = [process.env.BENCH_BACKEND, process.env.BENCH_DOMAIN, process.env.BENCH_APP];
  if (!backend || !domain || !app) throw new Error("BENCH_BACKEND, BENCH_DOMAIN and BENCH_APP are required");
  let lines = 0;
  const running = await startRouterWorkers({
    workers: 1,
    host: "127.0.0.1",
    port: 0,
    log: createLogger("warn"),
    discoveryFactory: () => {
      const discovery = openDiscovery([]);
      void discovery.put(platformKey("domain"), domain);
      void discovery.put(serviceKey(app, `${app}.v1.web.1`), backend);
      return discovery;
    },
    onRequest: (entry) => {
      if (formatRequestLine(entry)) lines += 1;
    },
    metricsAccess: process.env.BENCH_METRICS === "1" ? { mode: "loopback", token: null } : undefined,
  });
  if (running.role === "primary") {
    process.stdout.write(`listening ${running.port}\n`);
    process.once("SIGTERM", () => void running.close().then(() => process.exit(0)));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
