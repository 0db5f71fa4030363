/**
 * bench/logs: an app writes N lines/s to stdout; a subscriber on logs(app) (graphql-ws, through
 * the API) measures each line's latency from its write to its delivery, and counts lines lost.
 * At 1k and 5k lines/s, 10 s each. Goal: p99 < 100 ms at 5k lines/s, 0 lost.
 * The platform runs as in production for logs: Redis for the store and the live tail.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedis } from "../../test/harness/components";
import { ECHO_IMAGE } from "../../test/harness/docker";
import { deployed, startBenchPlatform } from "../support/platform";
import { SMOKE, benchNumber } from "../support/settings";

const SECONDS = benchNumber("BENCH_SECONDS", 10, 1);
const RATES = SMOKE ? [100, 500] : [1000, 5000];

/** A process that, after 2 s, writes `rate` lines/s for SECONDS: "tick <seq> <epoch ms>". */
const writer = (rate: number) =>
  `node -e 'const rate=${rate}, total=rate*${SECONDS}; let seq=0; setTimeout(() => { const start=Date.now(); const timer=setInterval(() => { const due=Math.min(total, Math.floor((Date.now()-start)*rate/1000)); let out=""; while (seq<due) out+="tick "+(seq++)+" "+Date.now()+"\\n"; if (out) process.stdout.write(out); if (seq>=total) clearInterval(timer); }, 5); }, 2000); setInterval(() => {}, 1e6)'`;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main(): Promise<void> {
  const redisDir = mkdtempSync(join(tmpdir(), "bench-redis-"));
  const redis = await startRedis(redisDir);
  const bench = await startBenchPlatform({ REDIS_URL: redis.url });
  const { platform } = bench;
  const { sdk } = bench.client;
  const app = "logbench";
  try {
    await sdk.CreateApp({ name: app });
    await sdk.DeployImage({
      app,
      image: ECHO_IMAGE,
      procfile: RATES.map((rate) => ({ type: `w${rate}`, command: writer(rate) })),
    });
    await deployed(bench.client, app, 2);
    console.log(`bench/logs: a process writes N lines/s for ${SECONDS} s; one subscriber on logs(app) over graphql-ws (Redis store and pub/sub)`);
    for (const rate of RATES) {
      const latencies: number[] = [];
      const seen = new Set<number>();
      const tail = sdk.LogTail({ app })[Symbol.asyncIterator]();
      const total = rate * SECONDS;
      const reading = (async () => {
        while (seen.size < total) {
          const next = await Promise.race([tail.next(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000))]);
          if (!next || next.done) break;
          const match = /^tick (\d+) (\d+)$/.exec(next.value.logs.message);
          if (!match || next.value.logs.source !== `w${rate}.1`) continue;
          seen.add(Number(match[1]));
          latencies.push(Date.now() - Number(match[2]));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await sdk.Scale({ app, processes: [{ type: `w${rate}`, count: 1 }] });
      await reading;
      await tail.return?.();
      await sdk.Scale({ app, processes: [{ type: `w${rate}`, count: 0 }] });
      latencies.sort((a, b) => a - b);
      const lost = total - seen.size;
      const p99 = percentile(latencies, 99);
      console.log(
        `  ${rate} lines/s: delivered ${seen.size}/${total}, lost ${lost}; latency p50 ${percentile(latencies, 50)} ms, p99 ${p99} ms, max ${latencies.at(-1)} ms`,
      );
      if (rate === RATES[RATES.length - 1]) {
        console.log(`vs goal at ${rate} lines/s (the goal is for 5,000): p99 ${p99} ms = ${(p99 / 100).toFixed(2)}x of the 100 ms goal (${p99 < 100 ? "met" : "MISSED"}); lost ${lost} (goal 0: ${lost === 0 ? "met" : "MISSED"})`);
      }
      await platform.services.deploys.settled(app);
    }
  } finally {
    await bench.stop();
    await redis.stop();
    rmSync(redisDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
