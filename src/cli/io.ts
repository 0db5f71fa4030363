import { spawnSync } from "node:child_process";
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
  /** The terminal's width in columns: tables are fitted to it. Absent when piped (nothing is cut then). */
  readonly columns?: number;
  /** Everything piped into the CLI (`echo $TOKEN | deis login --with-token`); absent when stdin is a terminal. */
  readonly readStdin?: () => Promise<string>;
  /** Reads one line from the person at the terminal; `secret` hides what they type. Absent without a TTY. */
  readonly prompt?: (question: string, options?: { secret?: boolean }) => Promise<string>;
  /** The terminal itself, for an interactive session (`run -it`); present when stdin and stdout are both terminals. */
  readonly terminal?: Terminal;
}

/** A terminal the CLI hands over to a remote process: raw bytes in and out, and its size. */
export interface Terminal {
  size(): { cols: number; rows: number };
  /**
   * Raw mode: every byte typed (Ctrl-C too, as byte 3) goes to `onInput` instead of the local line
   * editor or signals; `onResize` is called when the window changes. Returns what restores the terminal.
   */
  open(onInput: (bytes: Buffer) => void, onResize: () => void): () => void;
  write(bytes: Buffer): void;
}

/** The process's own terminal (stdin and stdout). */
const processTerminal: Terminal = {
  size: () => ({ cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 }),
  open(onInput, onResize) {
    const { stdin, stdout } = process;
    stdin.setRawMode(true);
    // Node's raw mode keeps output processing (each \n written becomes \r\n); the remote terminal
    // has done that already, and a full-screen program moving the cursor down must not get a \r.
    // Leaving raw mode restores the terminal's settings as they were, this one included.
    spawnSync("stty", ["-opost"], { stdio: ["inherit", "ignore", "ignore"] });
    stdin.on("data", onInput);
    stdin.resume();
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
      stdin.off("data", onInput);
      stdin.setRawMode(false);
      stdin.pause();
    };
  },
  write: (bytes) => void process.stdout.write(bytes),
};

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

/** Reads the process's stdin to its end. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The width to fit tables to: COLUMNS when set (a whole number), else the terminal's; none when piped. */
export function outputWidth(io: Io): number | undefined {
  const fromEnv = Number(io.env.COLUMNS);
  if (io.env.COLUMNS && Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return io.columns;
}

/**
 * Colour only for a person at a terminal: never when piped, never with NO_COLOR (no-color.org) or
 * TERM=dumb; FORCE_COLOR=1 asks for it anyway (FORCE_COLOR=0 turns it off).
 */
export function wantsColour(io: Io): boolean {
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  if (io.env.NO_COLOR) return false;
  if (io.env.TERM === "dumb") return false;
  return io.isTTY;
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
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    home: process.env.HOME || homedir(),
    isTTY,
    ...(columns ? { columns } : {}),
    ...(isTTY && process.stdin.isTTY ? { prompt: terminalPrompt } : {}),
    ...(process.stdin.isTTY ? {} : { readStdin }),
    ...(process.stdin.isTTY && process.stdout.isTTY ? { terminal: processTerminal } : {}),
  };
}
