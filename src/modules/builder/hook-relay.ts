import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, rmSync } from "node:fs";
import { type Server, type Socket, createServer } from "node:net";
import type { GitEnv } from "./git-repos";

/** One ref a push updates, as git gives it to pre-receive. */
export interface RefUpdate {
  readonly oldSha: string;
  readonly newSha: string;
  readonly ref: string;
}

/** What a push's hook reports to the builder, and how the builder answers it. */
export interface HookSession {
  readonly refs: readonly RefUpdate[];
  readonly env: GitEnv;
  /** A line for the pusher (git shows it as `remote: ...`). */
  say(line: string): void;
}

export type HookHandler = (session: HookSession) => Promise<number>;

/**
 * The pre-receive hook is a tiny node script that relays the push to the builder over a Unix
 * socket: it sends its push id, the refs and git's quarantine environment; the builder streams
 * output lines back and finally an exit code, which accepts or refuses the push.
 */
export function hookScript(nodePath: string, socketPath: string): string {
  const relay = `
const net = require("net");
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const refs = input.trim().split("\\n").filter(Boolean).map((l) => { const [oldSha, newSha, ref] = l.split(" "); return { oldSha, newSha, ref }; });
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith("GIT_")) env[k] = v;
  const socket = net.connect(${JSON.stringify(socketPath)}, () => socket.write(JSON.stringify({ push: process.env.DEIS_PUSH_ID, refs, env }) + "\\n"));
  let buffered = "";
  let code = 1;
  socket.on("data", (d) => {
    buffered += d;
    let i;
    while ((i = buffered.indexOf("\\n")) >= 0) {
      const message = JSON.parse(buffered.slice(0, i));
      buffered = buffered.slice(i + 1);
      if ("line" in message) process.stderr.write(message.line + "\\n");
      if ("exit" in message) code = message.exit;
    }
  });
  socket.on("error", (e) => { process.stderr.write("the builder is not reachable: " + e.message + "\\n"); process.exit(1); });
  socket.on("close", () => process.exit(code));
});`;
  return `#!/bin/sh\nexec ${JSON.stringify(nodePath)} -e ${shellQuote(relay)}\n`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The builder's end of the hook socket: pushes register a handler under a one-time id. */
export class HookRelay {
  private readonly pending = new Map<string, HookHandler>();
  private server: Server | null = null;

  constructor(readonly socketPath: string) {}

  async listen(): Promise<void> {
    if (existsSync(this.socketPath)) rmSync(this.socketPath);
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.socketPath, () => resolve());
    });
    chmodSync(this.socketPath, 0o600);
  }

  /** A push id to give receive-pack (DEIS_PUSH_ID); its hook's session goes to `handler`. */
  register(handler: HookHandler): { id: string; done(): void } {
    const id = randomBytes(16).toString("hex");
    this.pending.set(id, handler);
    return { id, done: () => this.pending.delete(id) };
  }

  private accept(socket: Socket): void {
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const newline = buffered.indexOf("\n");
      if (newline < 0) return;
      socket.off("data", onData);
      const send = (message: object) => socket.writable && socket.write(`${JSON.stringify(message)}\n`);
      let request: { push?: string; refs?: RefUpdate[]; env?: Record<string, string> };
      try {
        request = JSON.parse(buffered.slice(0, newline));
      } catch {
        socket.end();
        return;
      }
      const handler = request.push ? this.pending.get(request.push) : undefined;
      if (!handler) {
        send({ line: "this push is not known to the builder", exit: 1 });
        socket.end();
        return;
      }
      handler({ refs: request.refs ?? [], env: request.env ?? {}, say: (line) => send({ line }) })
        .catch(() => 1)
        .then((exit) => {
          send({ exit });
          socket.end();
        });
    };
    socket.on("data", onData);
    socket.on("error", () => undefined);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    if (existsSync(this.socketPath)) rmSync(this.socketPath);
  }
}
