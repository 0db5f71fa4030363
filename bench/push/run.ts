/**
 * bench/push: from `git push` to the first 200 of the new code through the router, for a small
 * Dockerfile app with a warm build cache, 5 runs, median; beside it, in the same run, the raw
 * floor: `docker build` of the same context + `docker run` + the first 200 on its port. Both say
 * where their time goes: the push by its steps (as the builder announces them), the floor by command.
 * Goal: push <= 1.2x the floor (issue 17; 1.3x before it).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { STACK_IMAGE } from "../../src/modules/docker";
import { commit, gitPush, gitRepo, sshKeygen } from "../../test/harness/git";
import { send } from "../../test/harness/http";
import { startBenchPlatform } from "../support/platform";
import { benchNumber } from "../support/settings";

const RUNS = benchNumber("BENCH_RUNS", 5, 1);
const GOAL_RATIO = 1.2;
const server = (marker: string) =>
  `require("http").createServer((q, s) => s.end(${JSON.stringify(marker)})).listen(process.env.PORT || 5000);\n`;
const DOCKERFILE = `FROM ${STACK_IMAGE}\nCOPY server.js /app/server.js\nEXPOSE 5000\nCMD ["node", "/app/server.js"]\n`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Polls until `probe` says yes; returns the time it first did. */
async function firstSuccess(probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return performance.now();
    if (performance.now() > deadline) throw new Error("timed out waiting for the first 200");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Where one run spent its time, ms from its start. */
interface Phases {
  readonly total: number;
  readonly parts: Record<string, number>;
}

/** The floor: docker build + docker run -p + polling its port, with the docker CLI. */
async function floorRun(context: string, marker: string): Promise<Phases> {
  writeFileSync(join(context, "server.js"), server(marker));
  const start = performance.now();
  execFileSync("docker", ["build", "-q", "-t", "bench-push-floor:latest", context], { stdio: "pipe" });
  const built = performance.now();
  const id = execFileSync("docker", ["run", "-d", "-p", "127.0.0.1::5000", "bench-push-floor:latest"], { encoding: "utf8" }).trim();
  const started = performance.now();
  try {
    const port = Number(execFileSync("docker", ["port", id, "5000/tcp"], { encoding: "utf8" }).trim().split(":").pop());
    const done = await firstSuccess(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      return response.status === 200 && (await response.text()) === marker;
    });
    return { total: done - start, parts: { build: built - start, "docker run": started - built, "first 200": done - started } };
  } finally {
    execFileSync("docker", ["rm", "-f", id], { stdio: "pipe" });
  }
}

/**
 * The push's steps, from the builder's lines as git shows them (`remote: -----> ...`): until the
 * build starts (SSH, git's transfer, the hook), the build, recording the release, then the deploy
 * until the new code answers through the router (container start, health check, route).
 */
const MILESTONES: readonly [string, RegExp][] = [
  ["to the builder", /-----> Building /],
  ["build", /-----> Process types/],
  ["release", /-----> Releasing v/],
];

function pushPhases(seen: ReadonlyMap<string, number>, start: number, served: number): Phases {
  const parts: Record<string, number> = {};
  let previous = start;
  for (const [name] of MILESTONES) {
    const at = seen.get(name);
    if (at === undefined) throw new Error(`the push never said its "${name}" step`);
    parts[name] = at - previous;
    previous = at;
  }
  parts["start to first 200"] = served - previous;
  return { total: served - start, parts };
}

const breakdown = (phases: Phases) =>
  Object.entries(phases.parts)
    .map(([name, ms]) => `${name} ${ms.toFixed(0)}`)
    .join(", ");

/** The median of each part over the runs. */
function medianPhases(runs: readonly Phases[]): Phases {
  const parts: Record<string, number> = {};
  for (const name of Object.keys(runs[0].parts)) parts[name] = median(runs.map((r) => r.parts[name]));
  return { total: median(runs.map((r) => r.total)), parts };
}

async function main(): Promise<void> {
  const bench = await startBenchPlatform();
  const { platform, config, client } = bench;
  const app = "pushbench";
  const floorContext = mkdtempSync(join(tmpdir(), "bench-floor-"));
  writeFileSync(join(floorContext, "Dockerfile"), DOCKERFILE);
  try {
    const key = sshKeygen();
    await client.sdk.AddKey({ publicKey: key.publicKey });
    const remote = (await client.sdk.CreateApp({ name: app })).createApp.gitRemote;
    const repo = gitRepo({ Dockerfile: DOCKERFILE, "server.js": server("warm-up") });
    await floorRun(floorContext, "warm-up"); // warms the build cache for both
    const warm = await gitPush(repo, remote, key.privateKeyPath);
    if (warm.code !== 0) throw new Error(`the warm-up push failed:\n${warm.output}`);
    const host = `${app}.${config.domain}`;
    const pushes: Phases[] = [];
    const floors: Phases[] = [];
    console.log(`bench/push: ${RUNS} runs, a small Dockerfile app, warm build cache, interleaved with the floor`);
    for (let run = 1; run <= RUNS; run++) {
      const marker = `run-${run}-${Date.now()}`;
      commit(repo, { "server.js": server(marker) }, marker);
      const seen = new Map<string, number>();
      let output = "";
      const start = performance.now();
      const push = gitPush(repo, remote, key.privateKeyPath, "main", (text) => {
        const now = performance.now();
        output += text;
        for (const [name, line] of MILESTONES) if (!seen.has(name) && line.test(output)) seen.set(name, now);
      });
      const served = await firstSuccess(async () => {
        const answer = await send(platform.router.port, host);
        return answer.status === 200 && answer.body === marker;
      });
      const result = await push;
      if (result.code !== 0) throw new Error(`push ${run} failed:\n${result.output}`);
      pushes.push(pushPhases(seen, start, served));
      floors.push(await floorRun(floorContext, marker));
      console.log(`  run ${run}: push -> first 200 ${pushes.at(-1)!.total.toFixed(0)} ms   floor (build + run + 200) ${floors.at(-1)!.total.toFixed(0)} ms`);
    }
    const push = medianPhases(pushes);
    const floor = medianPhases(floors);
    console.log(`median: push ${push.total.toFixed(0)} ms, floor ${floor.total.toFixed(0)} ms`);
    console.log(`  where the push spends it (ms, medians of each step): ${breakdown(push)}`);
    console.log(`  where the floor spends it (ms): ${breakdown(floor)}`);
    const ratio = push.total / floor.total;
    console.log(`vs goal: push / floor = ${ratio.toFixed(2)}x (goal <= ${GOAL_RATIO}x): ${ratio <= GOAL_RATIO ? "met" : "MISSED"}`);
  } finally {
    await bench.stop();
    rmSync(floorContext, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
