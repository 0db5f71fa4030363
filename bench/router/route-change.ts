/**
 * How long a route change takes to reach the nginx engine: from the discovery write that adds a
 * backend (a scale up) to the first request that backend answers through the router. The router
 * runs in this process on the in-process store; two small backends answer "a" and "b"; the client
 * asks on a new connection each time (a reload closes keep-alive connections), as fast as it can.
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { createLogger } from "../../src/core/logger";
import { openDiscovery, platformKey, serviceKey } from "../../src/modules/discovery";
import { startRouter } from "../../src/modules/proxy";

export interface RouteChangeResult {
  readonly rounds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Requests that failed while routes changed (each is asked again). */
  readonly failedRequests: number;
}

async function backend(name: string): Promise<{ port: number; close(): void }> {
  const server = createServer((_req, res) => res.end(name));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

function ask(port: number, host: string): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers: { host }, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(res.statusCode === 200 ? body : null));
    });
    req.on("error", () => resolve(null));
    req.end();
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export async function measureRouteChanges(dataDir: string, rounds: number): Promise<RouteChangeResult> {
  const [a, b] = [await backend("a"), await backend("b")];
  const discovery = openDiscovery([]);
  const host = "change.apps.bench";
  await discovery.put(platformKey("domain"), "apps.bench");
  await discovery.put(serviceKey("change", "change.v1.web.1"), `127.0.0.1:${a.port}`);
  const router = await startRouter({ engine: "nginx", nginx: { dataDir, workers: 1 }, discovery, host: "127.0.0.1", port: 0, log: createLogger("warn") });
  const took: number[] = [];
  let failed = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      await discovery.put(serviceKey("change", "change.v1.web.2"), `127.0.0.1:${b.port}`);
      for (;;) {
        const answer = await ask(router.port, host);
        if (answer === null) failed += 1;
        if (answer === "b") break;
        if (performance.now() - started > 30_000) throw new Error("the new backend was not reached within 30 s");
      }
      took.push(performance.now() - started);
      // Scale down again, and start the next round from a quiet router.
      await discovery.delete(serviceKey("change", "change.v1.web.2"));
      await router.settled();
    }
  } finally {
    await router.close();
    await discovery.close();
    a.close();
    b.close();
  }
  const sorted = [...took].sort((x, y) => x - y);
  return { rounds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? NaN, failedRequests: failed };
}
