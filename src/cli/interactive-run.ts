import WebSocket from "ws";
import { attachUrl, parseServerMessage } from "../core/attach-protocol";
import type { CommandContext } from "./context";
import { CliError } from "./errors";
import type { Terminal } from "./io";

/**
 * `deis run -it`: the command in a one-off with a terminal, joined to this one over the API's
 * /attach WebSocket. The local terminal is raw while it runs (Ctrl-C goes to the command, whose
 * terminal turns it into SIGINT); resizes follow the window. Returns the command's exit code.
 */
export async function runInteractive(ctx: CommandContext, app: string, command: string, terminal: Terminal): Promise<number> {
  const url = ctx.settings.url;
  if (!url) throw new CliError("no controller URL is set", "Run deis login <url> (e.g. deis login http://127.0.0.1:8000), or set DEIS_URL.");
  const token = ctx.settings.token;
  if (!token) throw new CliError("log in first: an interactive run needs a valid token", "Run deis login.");
  const socket = new WebSocket(attachUrl(url, { app, command, ...terminal.size() }), {
    headers: { authorization: `Bearer ${token}` },
    perMessageDeflate: false,
  });
  let restore: (() => void) | null = null;
  try {
    return await new Promise<number>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        outcome();
      };
      socket.on("open", () => {
        restore = terminal.open(
          (bytes) => socket.send(bytes, { binary: true }),
          () => socket.send(JSON.stringify({ resize: terminal.size() })),
        );
      });
      socket.on("message", (data: Buffer, isBinary: boolean) => {
        if (isBinary) {
          terminal.write(data);
          return;
        }
        const text = data.toString("utf8");
        const message = parseServerMessage(text);
        if (message && "exit" in message) settle(() => resolve(message.exit));
        else if (message) settle(() => reject(new CliError(message.error)));
        else {
          // A refused frame (a resize out of range): said, and the session goes on.
          const refused = (JSON.parse(text) as { refused?: string }).refused;
          if (refused) ctx.io.stderr.write(`\r\ndeis: ${refused}\r\n`);
        }
      });
      socket.on("unexpected-response", (_request, response) =>
        settle(() =>
          reject(
            new CliError(
              `the controller at ${url} refused the terminal session (HTTP ${response.statusCode})`,
              "It may be older than interactive runs: run the command without a terminal with deis run -T.",
            ),
          ),
        ),
      );
      socket.on("error", (error) => settle(() => reject(error)));
      socket.on("close", () =>
        settle(() => reject(new CliError("the connection to the controller was lost; the one-off was stopped", "Run the command again once the platform answers."))),
      );
    });
  } finally {
    (restore as (() => void) | null)?.();
    socket.terminate();
  }
}
