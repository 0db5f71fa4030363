import { request } from "node:http";
import type { Logger } from "../../../core/logger";
import type { RoutingView } from "../route-table";
import { BACKENDS_PATH, TOKEN_HEADER, backendsLine, lineSafe } from "./lua";

/** Lines per update request (an app and its backends per line). */
const LINES_PER_REQUEST = 1_000;
const REQUEST_TIMEOUT_MS = 5_000;

/**
 * Keeps nginx's backends dictionary (lua.ts) equal to the route table: each push sends only the
 * apps whose backends changed (and the apps that have none left) to the control port. A master
 * started again has an empty dictionary: `reset()` makes the next push send everything.
 */
export class BackendSync {
  /** What nginx has, as last acknowledged: app -> its update line. */
  private sent = new Map<string, string>();

  constructor(
    private readonly controlPort: number,
    private readonly token: string,
    private readonly log: Logger,
  ) {}

  reset(): void {
    this.sent = new Map();
  }

  /** Sends the changes since the last push; throws when nginx did not take them (the next push sends them again). */
  async push(apps: RoutingView["apps"]): Promise<void> {
    const wanted = new Map<string, string>();
    for (const app of apps) {
      if (!lineSafe(app.name)) continue;
      const backends = app.backends.filter((backend) => lineSafe(backend.host));
      if (backends.length > 0) wanted.set(app.name, backendsLine(app.name, backends));
    }
    const lines: string[] = [];
    for (const [name, line] of wanted) if (this.sent.get(name) !== line) lines.push(line);
    for (const name of this.sent.keys()) if (!wanted.has(name)) lines.push(name);
    if (lines.length === 0) return;
    for (let i = 0; i < lines.length; i += LINES_PER_REQUEST) await this.post(lines.slice(i, i + LINES_PER_REQUEST).join("\n"));
    this.sent = wanted;
    this.log.debug({ changed: lines.length }, "nginx backends updated");
  }

  private post(body: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: this.controlPort,
          path: BACKENDS_PATH,
          method: "POST",
          agent: false,
          timeout: REQUEST_TIMEOUT_MS,
          headers: { [TOKEN_HEADER]: this.token, "content-type": "text/plain", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk.slice(0, 500)));
          res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`nginx refused the backends (${res.statusCode}): ${text.trim()}`))));
        },
      );
      req.on("timeout", () => req.destroy(new Error("nginx did not take the backends in time")));
      req.on("error", reject);
      req.end(body);
    });
  }
}
