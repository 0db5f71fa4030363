import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main";
import type { Io } from "../../src/cli/io";

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  readonly signal?: AbortSignal;
  /** What is piped into the CLI's stdin (none: stdin is a terminal). */
  readonly stdin?: string;
  /** The terminal's width (none: output is piped). */
  readonly columns?: number;
  /** A person at a terminal (colour, spinners); default false (piped). */
  readonly tty?: boolean;
  /** Called with everything written to stdout so far, after each write (to react to `logs -f`). */
  readonly onStdout?: (soFar: string) => void;
}

/**
 * A person at a computer of their own: a temporary HOME (so ~/.deis and ~/.ssh are theirs) and a
 * working directory, running `deis` in this process through runCli.
 */
export class CliUser {
  readonly home = mkdtempSync(join(tmpdir(), "deis-home-"));
  cwd = mkdtempSync(join(tmpdir(), "deis-cwd-"));

  constructor(private readonly env: Record<string, string> = {}) {}

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    let stdout = "";
    let stderr = "";
    const io: Io = {
      stdout: {
        write: (text: string) => {
          stdout += text;
          options.onStdout?.(stdout);
        },
      },
      stderr: { write: (text: string) => (stderr += text) },
      env: { PATH: process.env.PATH, HOME: this.home, ...this.env, ...options.env },
      cwd: options.cwd ?? this.cwd,
      home: this.home,
      isTTY: options.tty ?? false,
      ...(options.columns ? { columns: options.columns } : {}),
      ...(options.stdin !== undefined ? { readStdin: async () => options.stdin! } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    const code = await runCli(argv, io);
    return {
      code,
      stdout,
      stderr,
      json: () => {
        try {
          return JSON.parse(stdout);
        } catch {
          throw new Error(`deis ${argv.join(" ")} printed no JSON (exit ${code}):\n${stdout}\n${stderr}`);
        }
      },
    };
  }

  /** Runs and expects exit 0, showing the output when it is not. */
  async ok(argv: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    const result = await this.run(argv, options);
    if (result.code !== 0) throw new Error(`deis ${argv.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    return result;
  }
}

/** A user registered through the CLI on the platform at `url`. */
export async function registeredUser(url: string, username: string, password = "correct-horse-battery"): Promise<CliUser> {
  const user = new CliUser();
  await user.ok(["register", url, "--username", username, "--password", password]);
  return user;
}
