/**
 * The router's nginx engine under test, in its own process: `startRouter({ engine: "nginx" })` with
 * an in-process discovery store seeded with the app `BENCH_APP` on `BENCH_DOMAIN`, whose one backend
 * is `BENCH_BACKEND` (host:port); nginx runs `BENCH_WORKERS` worker processes with its files under
 * `BENCH_DATA_DIR`. With BENCH_REQUEST_LOG=1 every request's line comes back to this process over
 * syslog and is formatted as in production (as the Node router's bench formats its lines).
 * Prints `listening <port>`; stops nginx and itself on SIGTERM. Started by run.ts.
 */
import { createLogger } from "../../src/core/logger";
import { openDiscovery, platformKey, serviceKey } from "../../src/modules/discovery";
import { formatRequestLine, startRouter } from "../../src/modules/proxy";

async function main(): Promise<void> {
  const [backend, domain, app, dataDir] = [process.env.BENCH_BACKEND, process.env.BENCH_DOMAIN, process.env.BENCH_APP, process.env.BENCH_DATA_DIR];
  if (!backend || !domain || !app || !dataDir) throw new Error("BENCH_BACKEND, BENCH_DOMAIN, BENCH_APP and BENCH_DATA_DIR are required");
  const discovery = openDiscovery([]);
  await discovery.put(platformKey("domain"), domain);
  await discovery.put(serviceKey(app, `${app}.v1.web.1`), backend);
  let lines = 0;
  const router = await startRouter({
    engine: "nginx",
    nginx: { dataDir, workers: Number(process.env.BENCH_WORKERS ?? 1) },
    discovery,
    host: "127.0.0.1",
    port: 0,
    log: createLogger("warn"),
    onRequest:
      process.env.BENCH_REQUEST_LOG === "1"
        ? (entry) => {
            if (formatRequestLine(entry)) lines += 1;
          }
        : undefined,
  });
  process.stdout.write(`listening ${router.port}\n`);
  process.once("SIGTERM", () => void router.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
