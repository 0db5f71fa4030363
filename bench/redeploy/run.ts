/**
 * bench/redeploy: load through the router while the app is redeployed 5 times. Goal: 0 failed
 * requests. wrk (Debian package) drives 8 keep-alive connections at the router with the app's Host
 * header; each redeploy is a config change, so every process is replaced by a new release's.
 */
import "reflect-metadata";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/core/config";
import { createLogger } from "../../src/core/logger";
import { startPlatform } from "../../src/platform";
import { createDeisClient } from "../../src/sdk/client";
import { ECHO_IMAGE, prepareDocker } from "../../test/harness/docker";
import { freePort } from "../../test/harness/processes";

const REDEPLOYS = Number(process.env.BENCH_REDEPLOYS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);

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
  const dataDir = mkdtempSync(join(tmpdir(), "bench-redeploy-"));
  await prepareDocker();
  const config = loadConfig({
    DEIS_DATA_DIR: dataDir,
    DEIS_PORT: "0",
    DEIS_ROUTER_PORT: "0",
    DEIS_ROUTER_HTTPS_PORT: "off",
    DEIS_BUILDER_PORT: String(await freePort()),
    DEIS_PLATFORM_ID: `bench-${process.pid}`,
    LOG_LEVEL: "warn",
  });
  const platform = await startPlatform(config, { database: {}, log: createLogger("warn") });
  const app = "redeploy";
  try {
    const anonymous = createDeisClient({ url: platform.api.url });
    const { register } = await anonymous.sdk.Register({ input: { username: "bench", password: "bench-password" } });
    const { sdk } = createDeisClient({ url: platform.api.url, token: register.token });
    await sdk.CreateApp({ name: app });
    const waitFor = async (version: number) => {
      for (;;) {
        const { release } = await sdk.Release({ app, version });
        if (release.status !== "PENDING") return release;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await sdk.DeployImage({ app, image: ECHO_IMAGE, procfile: [{ type: "web", command: "node /app/server.js" }] });
    if ((await waitFor(2)).status !== "SUCCEEDED") throw new Error("the first deploy failed");
    await sdk.Scale({ app, processes: [{ type: "web", count: 2 }] });
    await platform.runtime.deployer.settled(app);
    const host = `${app}.${config.domain}`;
    console.log(`bench/redeploy: ${REDEPLOYS} redeploys of 2 web processes under wrk -c${CONNECTIONS} through the router (Host: ${host})`);
    const seconds = 8 + REDEPLOYS * 6;
    const load = wrk(platform.router.port, host, seconds);
    const started = Date.now();
    const durations: number[] = [];
    for (let i = 1; i <= REDEPLOYS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const t0 = Date.now();
      const { setConfig } = await sdk.SetConfig({ app, values: [{ key: "ROUND", value: String(i) }] });
      const release = await waitFor(setConfig.version);
      durations.push(Date.now() - t0);
      console.log(`  redeploy ${i}: v${setConfig.version} ${release.status} in ${Date.now() - t0} ms (at ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      if (release.status !== "SUCCEEDED") throw new Error(`v${setConfig.version} failed: ${release.failureReason}`);
    }
    const result = await load;
    const failed = result.non2xx + result.socketErrors;
    console.log(result.text.trim().split("\n").map((line) => `  wrk| ${line}`).join("\n"));
    console.log(`requests: ${result.requests}, failed: ${failed} (non-2xx ${result.non2xx}, socket errors ${result.socketErrors})`);
    console.log(`redeploy time: median ${durations.sort((a, b) => a - b)[Math.floor(durations.length / 2)]} ms`);
    console.log(`vs goal: ${failed} failed of ${result.requests} (goal 0): ${failed === 0 ? "met" : "MISSED"}`);
    await anonymous.close();
    process.exitCode = failed === 0 ? 0 : 1;
  } finally {
    await platform.runtime.deployer.settled();
    await platform.stop();
    const { engine } = platform.runtime;
    for (const container of await engine.listContainers([`deis.platform=${config.platformId}`])) await engine.removeContainer(container.id);
    await engine.removeImages(`deis-apps/${app}`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
