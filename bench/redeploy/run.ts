/**
 * bench/redeploy: load through the router while the app is redeployed 5 times. Goal: 0 failed
 * requests. wrk (Debian package) drives 8 keep-alive connections at the router with the app's Host
 * header; each redeploy is a config change, so every process is replaced by a new release's.
 * DEIS_ROUTER_ENGINE=nginx measures the router's nginx engine instead of the Node router.
 */
import { execFile } from "node:child_process";
import { ECHO_IMAGE } from "../../test/harness/docker";
import { deployed, startBenchPlatform } from "../support/platform";
import { SMOKE, benchNumber } from "../support/settings";

const REDEPLOYS = benchNumber("BENCH_REDEPLOYS", 5, 1);
const CONNECTIONS = benchNumber("BENCH_CONNECTIONS", 8, 2);

interface WrkResult {
  requests: number;
  non2xx: number;
  socketErrors: number;
  text: string;
}

function wrk(port: number, host: string, seconds: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "wrk",
      ["-t", "2", "-c", String(CONNECTIONS), "-d", `${seconds}s`, "--latency", "-H", `Host: ${host}`, `http://127.0.0.1:${port}/`],
      { timeout: (seconds + 30) * 1000 },
      (error, stdout) => {
        if (error) return reject(new Error(`wrk failed (apt-get install -y wrk): ${error.message}`));
        const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN);
        const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
        const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
        const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
        resolve({ requests, non2xx, socketErrors, text: stdout });
      },
    );
  });
}

async function main(): Promise<void> {
  // DEIS_ROUTER_ENGINE=nginx runs it through the router's nginx engine.
  const engine = process.env.DEIS_ROUTER_ENGINE === "nginx" ? "nginx" : "node";
  const bench = await startBenchPlatform({ DEIS_ROUTER_ENGINE: engine });
  const { platform, config } = bench;
  const { sdk } = bench.client;
  const app = "redeploy";
  try {
    await sdk.CreateApp({ name: app });
    await sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    if ((await deployed(bench.client, app, 2)) !== "SUCCEEDED") throw new Error("the first deploy failed");
    await sdk.Scale({ app, processes: [{ type: "web", count: 2 }] });
    await platform.services.deploys.settled(app);
    const host = `${app}.${config.domain}`;
    console.log(`bench/redeploy: ${REDEPLOYS} redeploys of 2 web processes under wrk -c${CONNECTIONS} through the router, ${engine} engine (Host: ${host})`);
    const seconds = (SMOKE ? 4 : 8) + REDEPLOYS * 6;
    const load = wrk(platform.router.port, host, seconds);
    const started = Date.now();
    const durations: number[] = [];
    for (let i = 1; i <= REDEPLOYS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const t0 = Date.now();
      const { setConfig } = await sdk.SetConfig({ app, values: [{ key: "ROUND", value: String(i) }] });
      const status = await deployed(bench.client, app, setConfig.version);
      durations.push(Date.now() - t0);
      console.log(`  redeploy ${i}: v${setConfig.version} ${status} in ${Date.now() - t0} ms (at ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      if (status !== "SUCCEEDED") throw new Error(`v${setConfig.version} did not deploy`);
    }
    const result = await load;
    const failed = result.non2xx + result.socketErrors;
    console.log(result.text.trim().split("\n").map((line) => `  wrk| ${line}`).join("\n"));
    console.log(`requests: ${result.requests}, failed: ${failed} (non-2xx ${result.non2xx}, socket errors ${result.socketErrors})`);
    console.log(`redeploy time: median ${durations.sort((a, b) => a - b)[Math.floor(durations.length / 2)]} ms`);
    console.log(`vs goal: ${failed} failed of ${result.requests} (goal 0): ${failed === 0 ? "met" : "MISSED"}`);
    if (!SMOKE) process.exitCode = failed === 0 ? 0 : 1;
  } finally {
    await bench.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
