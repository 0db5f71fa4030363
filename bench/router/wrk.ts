import { execFile } from "node:child_process";
import { findBinary } from "../../test/harness/processes";

/** One wrk run's figures. */
export interface WrkResult {
  readonly requestsPerSecond: number;
  /** Median latency in microseconds. */
  readonly p50Us: number;
  readonly p99Us: number;
  /** Non-2xx answers plus socket errors. */
  readonly errors: number;
  /** Requests answered in the run. */
  readonly requests: number;
}

function microseconds(value: string, unit: string): number {
  const n = Number(value);
  switch (unit) {
    case "us":
      return n;
    case "ms":
      return n * 1_000;
    case "s":
      return n * 1_000_000;
    default:
      throw new Error(`unknown wrk unit ${unit}`);
  }
}

export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p50 = /\s50%\s+([\d.]+)(us|ms|s)\b/.exec(output);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(output);
  if (!rps || !p50 || !p99) throw new Error(`cannot read wrk's output:\n${output}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSecond: Number(rps[1]),
    p50Us: microseconds(p50[1], p50[2]),
    p99Us: microseconds(p99[1], p99[2]),
    errors: non2xx + socketErrors,
    requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? NaN),
  };
}

/** wrk with keep-alive connections against a loopback URL, with a Host header. */
export function runWrk(port: number, host: string, connections: number, seconds: number): Promise<WrkResult> {
  const binary = findBinary("wrk", "wrk");
  const threads = connections === 1 ? 1 : 2;
  const args = ["-t", String(threads), "-c", String(connections), "-d", `${seconds}s`, "--latency", "-H", `Host: ${host}`, `http://127.0.0.1:${port}/`];
  return new Promise((done, fail) => {
    execFile(binary, args, { timeout: (seconds + 30) * 1_000 }, (error, stdout, stderr) => {
      if (error) return fail(new Error(`wrk failed: ${error.message}\n${stderr}`));
      try {
        done(parseWrk(stdout));
      } catch (parseError) {
        fail(parseError);
      }
    });
  });
}
