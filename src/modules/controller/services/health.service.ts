import { DomainError, type PlatformComponent } from "../../../core/errors";
import type { Logger } from "../../../core/logger";

/** How to ask one shared component whether it answers. */
export interface ComponentProbe {
  readonly name: PlatformComponent;
  /** What runs it: postgresql or pglite, redis or memory, etcd or memory. */
  readonly backend: string;
  probe(): Promise<unknown>;
}

export interface ComponentHealth {
  readonly name: PlatformComponent;
  readonly backend: string;
  readonly healthy: boolean;
  /** "ok", or why it is down in words for an operator (never a driver's message or an address). */
  readonly detail: string;
  /** How long the probe took (up to the timeout when the component did not answer). */
  readonly latencyMs: number;
}

export interface PlatformHealth {
  readonly healthy: boolean;
  readonly components: readonly ComponentHealth[];
  /** The elections this controller process leads now (e.g. "reconciler"). */
  readonly leads: readonly string[];
}

/** Whether each shared component answers now, probed in parallel with a bound each; for /healthz and the API. */
export class HealthService {
  constructor(
    private readonly probes: readonly ComponentProbe[],
    private readonly timeoutMs: number,
    private readonly leading: () => string[],
    private readonly log: Logger,
  ) {}

  async check(): Promise<PlatformHealth> {
    const components = await Promise.all(this.probes.map((probe) => this.probe(probe)));
    return { healthy: components.every((c) => c.healthy), components, leads: this.leads() };
  }

  /** The elections this controller process leads now. */
  leads(): string[] {
    return this.leading();
  }

  private async probe({ name, backend, probe }: ComponentProbe): Promise<ComponentHealth> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const silent = new Error(`no answer within ${this.timeoutMs} ms`);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(silent), this.timeoutMs);
    });
    try {
      await Promise.race([probe(), timeout]);
      return { name, backend, healthy: true, detail: "ok", latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      this.log.warn({ err: error, component: name }, "health probe failed");
      // The cause (an address, a driver's message) stays in the log.
      const unavailable = error instanceof DomainError && error.code === "UNAVAILABLE";
      const why = error === silent ? `no answer within ${this.timeoutMs} ms` : unavailable ? "unreachable or not answering in time" : "it answered with an error";
      return { name, backend, healthy: false, detail: `down: ${why}`, latencyMs: Math.round(performance.now() - started) };
    } finally {
      clearTimeout(timer);
    }
  }
}
