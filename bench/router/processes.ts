import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { findBinary, waitForPort } from "../../test/harness/processes";
import { treePids } from "../support/platform-process";

/** Linux's clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on every usual build). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) spent so far by `pid` and every process under it (Linux /proc): a
 * target's own work, which time stolen by the hypervisor or taken by wrk does not inflate.
 */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const one of treePids(pid)) {
    try {
      const stat = readFileSync(`/proc/${one}/stat`, "utf8");
      // Fields after the command (which may hold spaces) in parentheses; utime and stime are the 14th and 15th.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/** A process this benchmark started; stopped by its PID, and waited for. */
export interface Started {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => child.pid && process.kill(child.pid, "SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      done();
    });
    if (child.pid) process.kill(child.pid, signal);
  });
}

/** Waits for `pattern` on the child's stdout (its first capture group is returned). */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((done, fail) => {
    let output = "";
    const timer = setTimeout(() => fail(new Error(`${what} did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        done(match[1]);
      }
    });
    child.once("exit", (code) => fail(new Error(`${what} exited (${code}) before it listened:\n${output}`)));
  });
}

/** A TypeScript program of this folder in its own Node process, which prints `listening <port>`. */
export async function startNodeProgram(name: string, file: string, env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", resolve(__dirname, file)], {
    cwd: resolve(__dirname, "../.."),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = Number(await waitForLine(child, /listening (\d+)/, name));
  child.stdout!.resume();
  return { name, port, pid: child.pid!, stop: () => stopChild(child, "SIGTERM") };
}

/** Our own nginx (never the system's): a generated config in `dir`, `daemon off`, loopback only. */
export async function startNginx(
  name: string,
  dir: string,
  port: number,
  options: { workers: number | "auto"; server: string; http?: string },
): Promise<Started> {
  const binary = findBinary("nginx", "nginx-light");
  const config = join(dir, `${name}.conf`);
  writeFileSync(
    config,
    `worker_processes ${options.workers};
daemon off;
master_process on;
pid ${join(dir, `${name}.pid`)};
error_log ${join(dir, `${name}.error.log`)} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body-${name};
  proxy_temp_path ${dir}/proxy-${name};
  fastcgi_temp_path ${dir}/fastcgi-${name};
  uwsgi_temp_path ${dir}/uwsgi-${name};
  scgi_temp_path ${dir}/scgi-${name};
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  ${options.http ?? ""}
  server {
    listen 127.0.0.1:${port} reuseport;
    ${options.server}
  }
}
`,
  );
  const log = openSync(join(dir, `${name}.out.log`), "a");
  const child = spawn(binary, ["-c", config, "-p", dir], { stdio: ["ignore", log, log] });
  await waitForPort(port, 15_000, name, join(dir, `${name}.error.log`));
  return { name, port, pid: child.pid!, stop: () => stopChild(child, "SIGQUIT") };
}
