/**
 * The router under test, in its own processes: `BENCH_WORKERS` cluster workers, each with an
 * in-process discovery store seeded with the app `BENCH_APP` on `BENCH_DOMAIN`, whose one backend
 * is `BENCH_BACKEND` (host:port). Prints `listening <port>`; stops on SIGTERM. Started by run.ts.
 */
import { createLogger } from "../../src/core/logger";
import { openDiscovery, platformKey, serviceKey } from "../../src/modules/discovery";
import { formatRequestLine, startRouterWorkers } from "../../src/modules/proxy";

async function main(): Promise<void> {
  const [backend, domain, app] = [process.env.BENCH_BACKEND, process.env.BENCH_DOMAIN, process.env.BENCH_APP];
  if (!backend || !domain || !app) throw new Error("BENCH_BACKEND, BENCH_DOMAIN and BENCH_APP are required");
  let lines = 0;
  const running = await startRouterWorkers({
    workers: Number(process.env.BENCH_WORKERS ?? 1),
    host: "127.0.0.1",
    port: 0,
    log: createLogger("warn"),
    discoveryFactory: () => {
      const discovery = openDiscovery([]);
      // The in-process store applies a put before its promise settles: seeded by the time it is read.
      void discovery.put(platformKey("domain"), domain);
      void discovery.put(serviceKey(app, `${app}.v1.web.1`), backend);
      return discovery;
    },
    // Each request's log line is formatted as in production; shipping it is the log server's cost.
    onRequest: (entry) => {
      if (formatRequestLine(entry)) lines += 1;
    },
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
