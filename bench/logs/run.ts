/**
 * bench/logs: an app writes N lines/s to stdout; subscribers (graphql-ws, through the
 * API; logBatches, as the CLI and dashboard use) measure each line's latency from its write to its delivery, and count lines lost.
 * Scenarios, 10 s each: 1k, 5k and 20k lines/s with one subscriber, and 5k lines/s with 10.
 * Goals: p99 < 100 ms at 5k (one subscriber), < 250 ms at 20k, < 150 ms at 5k with 10 subscribers;
 * 0 lost everywhere. Also the CPU this process (the whole platform and the subscribers) spends per
 * 1,000 lines. The platform runs as in production for logs: Redis for the store and the live tail.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedis } from "../../test/harness/components";
import { ECHO_IMAGE } from "../../test/harness/docker";
import { deployed, startBenchPlatform } from "../support/platform";
import { SMOKE, benchNumber } from "../support/settings";

const SECONDS = benchNumber("BENCH_SECONDS", 10, 1);

interface Scenario {
  readonly rate: number;
  readonly subscribers: number;
  /** p99 goal in ms */
  readonly goal: number;
}

const SCENARIOS: readonly Scenario[] = SMOKE
  ? [
      { rate: 100, subscribers: 1, goal: 100 },
      { rate: 200, subscribers: 3, goal: 150 },
    ]
  : [
      { rate: 1000, subscribers: 1, goal: 100 },
      { rate: 5000, subscribers: 1, goal: 100 },
      { rate: 20000, subscribers: 1, goal: 250 },
      { rate: 5000, subscribers: 10, goal: 150 },
    ];
const RATES = [...new Set(SCENARIOS.map((s) => s.rate))];

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
    console.log(`bench/logs: a process writes N lines/s for ${SECONDS} s; subscribers on logBatches(app) over graphql-ws (Redis store and pub/sub), as the CLI and the dashboard follow logs`);
    for (const { rate, subscribers, goal } of SCENARIOS) {
      const type = `w${rate}`;
      const total = rate * SECONDS;
      const latencies: number[] = [];
      let lost = 0;
      // CPU from the first line delivered to the last: the scale-up's own cost stays out.
      let cpuStart: NodeJS.CpuUsage | null = null;
      const tails = Array.from({ length: subscribers }, () => sdk.LogBatches({ app })[Symbol.asyncIterator]());
      const readers = tails.map(async (tail) => {
        const seen = new Set<number>();
        while (seen.size < total) {
          const next = await Promise.race([tail.next(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000))]);
          if (!next || next.done) break;
          for (const line of next.value.logBatches) {
            const match = /^tick (\d+) (\d+)$/.exec(line.message);
            if (!match || line.source !== `${type}.1`) continue;
            cpuStart ??= process.cpuUsage();
            seen.add(Number(match[1]));
            latencies.push(Date.now() - Number(match[2]));
          }
        }
        lost += total - seen.size;
      });
      await new Promise((resolve) => setTimeout(resolve, 500 + 50 * subscribers));
      await sdk.Scale({ app, processes: [{ type, count: 1 }] });
      await Promise.all(readers);
      const cpu = process.cpuUsage(cpuStart ?? undefined);
      await Promise.all(tails.map((tail) => tail.return?.()));
      await sdk.Scale({ app, processes: [{ type, count: 0 }] });
      latencies.sort((a, b) => a - b);
      const p99 = percentile(latencies, 99);
      const cpuMsPerThousand = ((cpu.user + cpu.system) / 1000 / total) * 1000;
      console.log(
        `  ${rate} lines/s, ${subscribers} subscriber(s): delivered ${latencies.length}/${total * subscribers}, lost ${lost}; latency p50 ${percentile(latencies, 50)} ms, p99 ${p99} ms, max ${latencies.at(-1)} ms; CPU ${cpuMsPerThousand.toFixed(1)} ms per 1,000 lines written (this process: platform and subscribers)`,
      );
      console.log(
        `    vs goal: p99 ${p99} ms = ${(p99 / goal).toFixed(2)}x of the ${goal} ms goal (${p99 < goal ? "met" : "MISSED"}); lost ${lost} (goal 0: ${lost === 0 ? "met" : "MISSED"})`,
      );
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
