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
 * The pre-receive hook relays the push to the builder over a Unix socket and answers as it says.
 * It is Perl (perl-base is essential on Debian and Ubuntu) because it starts in ~5 ms where node
 * takes ~50, and the hook is on every push's path. A line protocol, one message per line:
 *   hook -> builder: `push <id>`, `ref <old> <new> <name>`..., `env <NAME>=<value>`..., `end`
 *   builder -> hook: `line <text>`... (shown as `remote: <text>`), then `exit <code>`
 */
export function hookScript(socketPath: string): string {
  const quoted = `'${socketPath.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  return `#!/usr/bin/perl
use strict;
use IO::Socket::UNIX;
chomp(my @refs = <STDIN>);
my $builder = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => ${quoted})
  or do { print STDERR "the builder is not reachable: $!\\n"; exit 1 };
$builder->autoflush(1);
my $request = "push " . ($ENV{DEIS_PUSH_ID} // "") . "\\n";
$request .= "ref $_\\n" for grep { /\\S/ } @refs;
for my $name (grep { /^GIT_/ } sort keys %ENV) { $request .= "env $name=$ENV{$name}\\n" unless $ENV{$name} =~ /\\n/ }
print $builder $request . "end\\n";
my $code = 1;
while (my $message = <$builder>) {
  if ($message =~ /^line (.*)$/s) { print STDERR $1 }
  elsif ($message =~ /^exit (\\d+)/) { $code = $1 }
}
exit $code;
`;
}

/** A request as the hook sends it, or null when it is not one. */
function parseRequest(lines: string[]): { push: string; refs: RefUpdate[]; env: Record<string, string> } | null {
  const push = /^push (\S*)$/.exec(lines[0] ?? "")?.[1];
  if (push === undefined) return null;
  const refs: RefUpdate[] = [];
  const env: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const ref = /^ref (\S+) (\S+) (\S+)$/.exec(line);
    const variable = /^env ([^=]+)=(.*)$/.exec(line);
    if (ref) refs.push({ oldSha: ref[1], newSha: ref[2], ref: ref[3] });
    else if (variable) env[variable[1]] = variable[2];
    else return null;
  }
  return { push, refs, env };
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
      const end = buffered.indexOf("\nend\n");
      if (end < 0) return;
      socket.off("data", onData);
      // A line of output is one line: a newline inside it would start a message of its own.
      const send = (message: string) => socket.writable && socket.write(`${message.replace(/[\r\n]+/g, " ")}\n`);
      const request = parseRequest(buffered.slice(0, end).split("\n"));
      const handler = request ? this.pending.get(request.push) : undefined;
      if (!request || !handler) {
        send("line this push is not known to the builder");
        send("exit 1");
        socket.end();
        return;
      }
      handler({ refs: request.refs, env: request.env, say: (line) => send(`line ${line}`) })
        .catch(() => 1)
        .then((exit) => {
          send(`exit ${exit}`);
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
