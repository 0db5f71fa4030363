import type { Logger } from "../../core/logger";
import type { LogLine } from "../../core/topics";
import type { DockerEngine } from "../docker";
import { LABELS, identityFromLabels, isAttachedOneOff } from "../runtime";
import { LineSplitter } from "./log-lines";

/**
 * Follows the output of this platform's app containers on the engine: those running when it
 * starts (from `since`) and each one that starts afterwards (from its start). Each line becomes a
 * LogLine with the process as its source (`web.1`, `worker.2`).
 */
export class ContainerLogFollower {
  private readonly followed = new Map<string, () => void>();
  private stopEvents: (() => void) | null = null;

  constructor(
    private readonly engine: DockerEngine,
    private readonly platformId: string,
    private readonly emit: (line: LogLine) => void,
    private readonly log: Logger,
  ) {}

  /** Starts following; lines printed before `since` (Unix seconds) are not read again. */
  start(since: number): void {
    this.stopEvents = this.engine.followEvents(
      { type: ["container"], event: ["start"], label: [`${LABELS.platform}=${this.platformId}`] },
      {
        onEvent: (event) => void this.follow(event.id, 0),
        onConnected: () => void this.followRunning(since),
        onError: (error) => this.log.warn({ err: error }, "lost the Docker event stream; reconnecting"),
      },
    );
  }

  private async followRunning(since: number): Promise<void> {
    try {
      for (const container of await this.engine.listContainers([`${LABELS.platform}=${this.platformId}`])) {
        if (container.state === "running") await this.follow(container.id, since);
      }
    } catch (error) {
      this.log.warn({ err: error }, "could not list containers to follow");
    }
  }

  private async follow(id: string, since: number): Promise<void> {
    if (this.followed.has(id)) return;
    const state = await this.engine.inspectContainer(id).catch(() => null);
    const identity = state ? identityFromLabels(state.labels) : null;
    // An attached one-off's output goes back to its caller (`deis run`); a detached one's (`run.4821`) is logged.
    if (!state || !identity || isAttachedOneOff(identity)) return;
    this.followed.set(id, () => undefined);
    const source = `${identity.type}.${identity.num}`;
    const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
    const from = Math.max(since, state.startedAt ? Math.floor(state.startedAt.getTime() / 1000) : 0);
    const send = (lines: string[]) => {
      const at = new Date().toISOString();
      for (const message of lines) this.emit({ app: identity.app, source, message, at });
    };
    try {
      const stream = await this.engine.followLogs(id, from, (chunk, which) => send(splitters[which].push(chunk)));
      this.followed.set(id, stream.stop);
      await stream.ended;
      send([...splitters.stdout.flush(), ...splitters.stderr.flush()]);
    } catch (error) {
      this.log.debug({ err: error, id }, "stopped following a container");
    } finally {
      this.followed.delete(id);
    }
  }

  stop(): void {
    this.stopEvents?.();
    for (const stop of this.followed.values()) stop();
    this.followed.clear();
  }
}
