import type { ContainerStats, DockerEngine } from "../docker";
import type { ProcessStatus } from "./scheduler";

/** What a process uses, from the engine's stats; null where it is not known (not running, first reading). */
export interface ProcessUsage {
  /** Share of one core over the time since the previous reading (200 = two cores busy). */
  readonly cpuPercent: number | null;
  readonly memoryBytes: number | null;
  readonly memoryLimitBytes: number | null;
  readonly networkRxBytes: number | null;
  readonly networkTxBytes: number | null;
}

export type ProcessWithUsage = ProcessStatus & ProcessUsage;

const UNKNOWN: ProcessUsage = { cpuPercent: null, memoryBytes: null, memoryLimitBytes: null, networkRxBytes: null, networkTxBytes: null };
/** A previous reading older than this is too old for a CPU share worth showing. */
const PREVIOUS_MAX_AGE_MS = 60_000;
/** When a process has no previous reading, a second one this much later gives its CPU share. */
const SETTLE_MS = 250;

interface Reading {
  readonly stats: ContainerStats;
  readonly at: number;
}

/**
 * Per-process resource usage from the engine's one-shot stats (one cheap call per running
 * container, no stream kept open): CPU is the difference from the previous reading of the same
 * container, kept here. Only running containers are asked; others get nulls.
 */
export class ProcessUsageSampler {
  private readonly previous = new Map<string, Reading>();

  constructor(private readonly engine: DockerEngine) {}

  /**
   * The processes with their usage. `settle`: a process with no recent previous reading is read
   * twice (SETTLE_MS apart) so its CPU share is known; otherwise its first reading has a null CPU.
   */
  async sample(processes: readonly ProcessStatus[], settle: boolean): Promise<ProcessWithUsage[]> {
    const running = processes.filter((p) => p.state === "running");
    const now = Date.now();
    const fresh = (name: string) => {
      const last = this.previous.get(name);
      return last !== undefined && now - last.at < PREVIOUS_MAX_AGE_MS;
    };
    if (settle) {
      const unread = running.filter((p) => !fresh(p.name));
      if (unread.length > 0) {
        await Promise.all(unread.map((p) => this.read(p.name)));
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      }
    }
    const usage = new Map(await Promise.all(running.map(async (p) => [p.name, await this.read(p.name)] as const)));
    for (const name of this.previous.keys()) if (!processes.some((p) => p.name === name) && Date.now() - this.previous.get(name)!.at > PREVIOUS_MAX_AGE_MS) this.previous.delete(name);
    return processes.map((p) => ({ ...p, ...(usage.get(p.name) ?? UNKNOWN) }));
  }

  private async read(name: string): Promise<ProcessUsage> {
    const stats = await this.engine.containerStats(name).catch(() => null);
    if (!stats) {
      this.previous.delete(name);
      return UNKNOWN;
    }
    const before = this.previous.get(name);
    this.previous.set(name, { stats, at: Date.now() });
    let cpuPercent: number | null = null;
    if (before) {
      const cpu = stats.cpuTotalNs - before.stats.cpuTotalNs;
      const system = stats.systemCpuNs - before.stats.systemCpuNs;
      // The host's counter covers every core: a share of it times the cores is a share of one core.
      if (system > 0 && cpu >= 0) cpuPercent = Math.round((cpu / system) * stats.onlineCpus * 100 * 10) / 10;
    }
    return {
      cpuPercent,
      memoryBytes: stats.memoryBytes,
      memoryLimitBytes: stats.memoryLimitBytes,
      networkRxBytes: stats.networkRxBytes,
      networkTxBytes: stats.networkTxBytes,
    };
  }
}
