import { createInterface } from "node:readline";
import { homedir } from "node:os";

/** Where output goes: process.stdout in a terminal, a string buffer in tests. */
export interface Sink {
  write(text: string): unknown;
}

/**
 * Everything the CLI touches of its surroundings, passed to every command so tests run the CLI in
 * process with their own HOME, working directory, environment and output.
 */
export interface Io {
  readonly stdout: Sink;
  readonly stderr: Sink;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly home: string;
  /** True when a person is at a terminal: spinners, prompts and opening a browser only then. */
  readonly isTTY: boolean;
  /** Ends long-running work such as `logs -f` (SIGINT in a terminal, an AbortController in tests). */
  readonly signal?: AbortSignal;
  /** Reads one line from the person at the terminal; `secret` hides what they type. Absent without a TTY. */
  readonly prompt?: (question: string, options?: { secret?: boolean }) => Promise<string>;
}

/** A prompt on the process's terminal; a secret answer is not echoed. */
function terminalPrompt(question: string, options: { secret?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    let muted = false;
    // readline echoes through _writeToOutput; silencing it is the standard way to read a password.
    const internals = rl as unknown as { _writeToOutput(text: string): void };
    const write = internals._writeToOutput.bind(rl);
    internals._writeToOutput = (text: string) => {
      if (!muted) write(text);
    };
    rl.question(question, (answer) => {
      if (options.secret) process.stderr.write("\n");
      rl.close();
      resolve(answer);
    });
    muted = options.secret === true;
    rl.on("SIGINT", () => {
      rl.close();
      reject(new Error("cancelled"));
    });
  });
}

/**
 * The real process's Io. No SIGINT handler: Ctrl-C ends the process the usual way (exit status 130
 * in a shell), which is also how `logs -f` stops; `signal` is for callers that embed the CLI.
 */
export function processIo(): Io {
  // `deis apps | head -1`: the reader has what it wanted; end quietly rather than with EPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(0);
      throw error;
    });
  }
  const isTTY = Boolean(process.stdout.isTTY && process.stderr.isTTY);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    home: process.env.HOME || homedir(),
    isTTY,
    ...(isTTY && process.stdin.isTTY ? { prompt: terminalPrompt } : {}),
  };
}
