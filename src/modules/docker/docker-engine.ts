import { PassThrough, type Readable } from "node:stream";
import Docker from "dockerode";
import type { BridgeFirewall } from "./bridge-firewall";
import { statusOf, translateTransportErrors } from "./docker-errors";
import { DockerSwarm, mountOf } from "./docker-swarm";
import type { ContainerSpec, ContainerState, ContainerStats, EngineEvent, ImageInfo, NetworkSpec, ProgressEvent, TerminalContainer, TerminalSize } from "./engine-types";
import { LogReplayFilter } from "./log-frames";
import { type SubnetPool, freeSubnets } from "./subnet-pool";

export type { ContainerSpec, ContainerState, ContainerStats, EngineEvent, ImageInfo, NetworkSpec, TerminalContainer, TerminalSize, VolumeMount } from "./engine-types";

/** The Docker engine as the platform needs it: one small adapter over dockerode (DESIGN.md "Who owns what"). */
export class DockerEngine {
  readonly docker: Docker;
  /** The same engine's Swarm side: services, tasks and nodes. */
  readonly swarm: DockerSwarm;

  /**
   * `bridgeSubnets`: where the bridge networks this engine makes take their addresses (see
   * subnet-pool.ts); without it, Docker's default pools, which hold only about 30 networks.
   * `firewall`: the rules that keep those networks apart (bridge-firewall.ts), checked whenever one
   * is made.
   */
  constructor(
    options: Docker.DockerOptions = {},
    private readonly bridgeSubnets: SubnetPool | null = null,
    private readonly firewall: BridgeFirewall | null = null,
  ) {
    this.docker = new Docker(options);
    translateTransportErrors(this.docker.modem);
    this.swarm = new DockerSwarm(this.docker);
  }

  /** dockerode's options for a DOCKER_HOST-style address (unix:///path, tcp://host:port); the local socket when none. */
  static endpoint(dockerHost: string | undefined): Docker.DockerOptions {
    if (!dockerHost) return { socketPath: "/var/run/docker.sock" };
    const url = new URL(dockerHost);
    return url.protocol === "unix:" ? { socketPath: url.pathname } : { protocol: "http", host: url.hostname, port: Number(url.port || 2375) };
  }

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async inspectImage(ref: string): Promise<ImageInfo | null> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      const ports = Object.keys(info.Config?.ExposedPorts ?? {})
        .filter((p) => p.endsWith("/tcp"))
        .map((p) => Number(p.split("/")[0]))
        .sort((a, b) => a - b);
      return {
        id: info.Id,
        tags: info.RepoTags ?? [],
        labels: info.Config?.Labels ?? {},
        onBuild: info.Config?.OnBuild ?? [],
        exposedPort: ports[0] ?? null,
        repoDigest: info.RepoDigests?.[0] ?? null,
      };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  /** Gives an image another name, e.g. the release's `<app>:v<N>`. */
  async tagImage(source: string, target: string): Promise<void> {
    const colon = target.lastIndexOf(":");
    const slash = target.lastIndexOf("/");
    const [repo, tag] = colon > slash ? [target.slice(0, colon), target.slice(colon + 1)] : [target, "latest"];
    await this.docker.getImage(source).tag({ repo, tag });
  }

  /** Removes every tag of a repository (e.g. all of an app's release images). */
  async removeImages(repository: string): Promise<void> {
    const images = await this.docker.listImages({ filters: { reference: [`${repository}:*`] } });
    for (const tag of images.flatMap((image) => image.RepoTags ?? [])) {
      if (tag.startsWith(`${repository}:`)) await this.removeImage(tag);
    }
  }

  /** Pushes an image to the registry its name points at; returns the digest the registry gave it. */
  async pushImage(ref: string, onLine: (line: string) => void = () => undefined): Promise<string | null> {
    const colon = ref.lastIndexOf(":");
    const tag = colon > ref.lastIndexOf("/") ? ref.slice(colon + 1) : "latest";
    const stream = await this.docker.getImage(ref).push({ tag, authconfig: { serveraddress: ref.split("/")[0] } });
    let digest: string | null = null;
    await this.progress(stream, (event) => {
      if (event.aux?.Digest) digest = event.aux.Digest;
      const text = event.error ?? event.status;
      if (text && !/^(Preparing|Waiting|Pushing)$/.test(text)) onLine(text);
    });
    return digest;
  }

  /** Pulls an image from the registry its name points at. */
  async pullImage(ref: string): Promise<void> {
    const stream = (await this.docker.pull(ref)) as NodeJS.ReadableStream;
    await this.progress(stream, () => undefined);
  }

  /** Makes the network unless it is there; returns its ID. Two callers at once get the same network. */
  async ensureNetwork(spec: NetworkSpec): Promise<string> {
    const found = await this.findNetwork(spec.name);
    if (found) return found;
    const create = (subnet: string | null) =>
      this.docker.createNetwork({
        Name: spec.name,
        Driver: spec.driver,
        CheckDuplicate: true,
        Attachable: spec.driver === "overlay" ? true : undefined,
        Labels: { ...spec.labels },
        Options: spec.driver === "bridge" && !spec.interContainer ? { "com.docker.network.bridge.enable_icc": "false" } : undefined,
        IPAM: subnet ? { Driver: "default", Config: [{ Subnet: subnet }] } : undefined,
      });
    try {
      const pool = spec.driver === "bridge" ? this.bridgeSubnets : null;
      const network = pool ? await this.createInPool(pool, spec.name, create) : await create(null);
      if (pool) await this.firewall?.networkMade(network.id);
      return network.id;
    } catch (error) {
      const raced = statusOf(error) === 409 ? await this.findNetwork(spec.name) : null;
      if (raced) return raced;
      throw error;
    }
  }

  /**
   * Creates a bridge network on a free subnet of the pool (one no network of this engine uses).
   * Other processes may be making networks from the same pool at the same moment (several controllers
   * on one engine): each try takes one of the first free subnets at random, and when the engine
   * refuses an overlap anyway, the engine's networks are read again and another is tried.
   */
  private async createInPool(pool: SubnetPool, name: string, create: (subnet: string) => Promise<Docker.Network>): Promise<Docker.Network> {
    for (let attempt = 1; ; attempt++) {
      const taken = (await this.docker.listNetworks()).flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? "")).filter(Boolean);
      const free: string[] = [];
      for (const subnet of freeSubnets(pool, taken)) if (free.push(subnet) >= 32) break;
      if (free.length === 0) throw new Error(`no free /${pool.size} subnet left in ${pool.cidr} for network ${name} (DEIS_NETWORK_POOL)`);
      try {
        return await create(free[Math.floor(Math.random() * free.length)]);
      } catch (error) {
        const overlap = statusOf(error) === 403 && /overlap/i.test(error instanceof Error ? error.message : "");
        if (!overlap || attempt >= 10) throw error;
        const made = await this.findNetwork(name); // by another process meanwhile
        if (made) return this.docker.getNetwork(made);
      }
    }
  }

  private async findNetwork(name: string): Promise<string | null> {
    const networks = await this.docker.listNetworks({ filters: { name: [name] } });
    return networks.find((n) => n.Name === name)?.Id ?? null;
  }

  /** Removes the networks carrying every one of the labels; returns the names of those still in use (left). */
  async removeNetworks(labels: readonly string[]): Promise<string[]> {
    const networks = await this.docker.listNetworks({ filters: { label: [...labels] } });
    const inUse: string[] = [];
    for (const network of networks) {
      try {
        await this.docker.getNetwork(network.Id).remove();
      } catch (error) {
        const status = statusOf(error);
        if (status === 403 || status === 409) inUse.push(network.Name);
        else if (status !== 404) throw error;
      }
    }
    return inUse;
  }

  /**
   * Removes the volumes carrying every one of the labels, but those named in `keep`; a volume a
   * container still uses is left (for a later call). Returns the names removed.
   */
  async removeVolumes(labels: readonly string[], keep: ReadonlySet<string> = new Set()): Promise<string[]> {
    const { Volumes: volumes } = await this.docker.listVolumes({ filters: { label: [...labels] } });
    const removed: string[] = [];
    for (const volume of volumes ?? []) {
      if (keep.has(volume.Name)) continue;
      try {
        await this.docker.getVolume(volume.Name).remove();
        removed.push(volume.Name);
      } catch (error) {
        const status = statusOf(error);
        if (status !== 404 && status !== 409) throw error;
      }
    }
    return removed;
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await this.docker.getImage(ref).remove({ force: true });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  /** Builds an image from a tar context stream, passing each output line on. Throws with the engine's error. */
  async buildImage(
    context: Readable,
    options: {
      tag: string;
      buildArgs?: Record<string, string>;
      /** The network RUN steps join (a name), instead of the default bridge. */
      network?: string;
      memoryBytes?: number;
      nanoCpus?: number;
      timeoutMs?: number;
    },
    onLine: (line: string) => void = () => undefined,
  ): Promise<void> {
    const stream = await this.docker.buildImage(context, {
      t: options.tag,
      buildargs: options.buildArgs,
      networkmode: options.network,
      // The classic builder: every image a build can use is named in its Dockerfile (no BuildKit
      // frontends, mounts or remote contexts), so the builder can check them all first.
      version: "1",
      memory: options.memoryBytes,
      cpuquota: options.nanoCpus ? Math.round(options.nanoCpus / 10_000) : undefined,
      cpuperiod: options.nanoCpus ? 100_000 : undefined,
      rm: true,
      forcerm: true,
    });
    // Hanging up cancels the build in the engine.
    const timer = options.timeoutMs
      ? setTimeout(() => (stream as unknown as { destroy(e: Error): void }).destroy(new Error(`the build took longer than ${Math.round(options.timeoutMs! / 1000)} s and was stopped`)), options.timeoutMs)
      : null;
    await this.progress(stream, (event) => {
      const text = event.stream ?? event.error ?? event.status;
      if (text) for (const line of text.split("\n")) if (line.trim()) onLine(line.replace(/\s+$/, ""));
    }).finally(() => timer && clearTimeout(timer));
  }

  /** Reads an engine progress stream (build, push) to its end; rejects with the first error it reports. */
  private progress(stream: NodeJS.ReadableStream, onEvent: (event: ProgressEvent) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (error: Error | null, output: ProgressEvent[]) => {
          const failure = error?.message ?? output.find((o) => o.error)?.error;
          if (failure) reject(new Error(failure.trim()));
          else resolve();
        },
        onEvent,
      );
    });
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const portKey = spec.publish ? `${spec.publish.containerPort}/tcp` : undefined;
    const container = await this.docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
      Cmd: spec.cmd ? [...spec.cmd] : undefined,
      Labels: { ...spec.labels },
      ExposedPorts: portKey ? { [portKey]: {} } : undefined,
      // A terminal: the engine gives the process a pty; its stdin stays open while one client is attached.
      ...(spec.terminal ? { Tty: true, OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true } : {}),
      HostConfig: {
        // An init (tini) as PID 1 passes SIGTERM on: an app that is PID 1 itself would ignore it and wait for SIGKILL.
        Init: true,
        Memory: spec.memoryBytes,
        NanoCpus: spec.nanoCpus,
        PidsLimit: spec.pidsLimit,
        NetworkMode: spec.network,
        PortBindings: portKey ? { [portKey]: [{ HostIp: spec.publish!.hostIp, HostPort: "" }] } : undefined,
        Mounts: spec.volumes?.length ? spec.volumes.map(mountOf) : undefined,
        LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "2" } },
      },
    });
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (error) {
      if (statusOf(error) !== 304) throw error;
    }
  }

  /** Stops (SIGTERM, then SIGKILL after `timeoutSeconds`) and removes a container; gone already is fine. */
  async stopAndRemove(id: string, timeoutSeconds: number): Promise<void> {
    const container = this.docker.getContainer(id);
    try {
      await container.stop({ t: timeoutSeconds });
    } catch (error) {
      const status = statusOf(error);
      if (status !== 304 && status !== 404) throw error;
    }
    await this.removeContainer(id);
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (error) {
      const status = statusOf(error);
      if (status !== 404 && status !== 409) throw error;
    }
  }

  /** Containers carrying every one of the labels (`key=value` or `key`), running or not. */
  async listContainers(labels: readonly string[]): Promise<ContainerState[]> {
    const found = await this.docker.listContainers({ all: true, filters: { label: [...labels] } });
    return Promise.all(found.map((c) => this.inspectContainer(c.Id))).then((all) =>
      all.filter((c): c is ContainerState => c !== null),
    );
  }

  async inspectContainer(id: string): Promise<ContainerState | null> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      const bindings = Object.values(info.NetworkSettings?.Ports ?? {}).find((b) => b && b.length > 0);
      const running = info.State.Running;
      return {
        id: info.Id,
        name: info.Name.replace(/^\//, ""),
        labels: info.Config.Labels ?? {},
        state: info.State.Status,
        startedAt: running && info.State.StartedAt ? new Date(info.State.StartedAt) : null,
        exitCode: running ? null : info.State.ExitCode,
        hostPort: running && bindings?.[0]?.HostPort ? Number(bindings[0].HostPort) : null,
        ip: running ? (Object.values(info.NetworkSettings?.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress ?? null) : null,
      };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  /**
   * A running container's counters now (one shot: the engine answers at once, without the second
   * reading it would otherwise wait a second for); null when it does not run or is gone.
   */
  async containerStats(idOrName: string): Promise<ContainerStats | null> {
    let raw: Docker.ContainerStats;
    try {
      raw = (await this.docker.getContainer(idOrName).stats({ stream: false, "one-shot": true } as { stream: false })) as Docker.ContainerStats;
    } catch (error) {
      if (statusOf(error) === 404 || statusOf(error) === 409) return null;
      throw error;
    }
    const memory = raw.memory_stats ?? {};
    if (!raw.cpu_stats || memory.usage === undefined) return null; // not running
    const detail = (memory.stats ?? {}) as Record<string, number | undefined>;
    // The page cache is not the app's: cgroup v2 says inactive_file, v1 total_inactive_file.
    const cache = detail.inactive_file ?? detail.total_inactive_file ?? 0;
    let rx = 0;
    let tx = 0;
    for (const network of Object.values(raw.networks ?? {})) {
      rx += network.rx_bytes;
      tx += network.tx_bytes;
    }
    return {
      cpuTotalNs: raw.cpu_stats.cpu_usage.total_usage,
      systemCpuNs: raw.cpu_stats.system_cpu_usage ?? 0,
      onlineCpus: raw.cpu_stats.online_cpus || raw.cpu_stats.cpu_usage.percpu_usage?.length || 1,
      memoryBytes: Math.max(0, memory.usage - cache),
      memoryLimitBytes: memory.limit ?? 0,
      networkRxBytes: rx,
      networkTxBytes: tx,
    };
  }

  /**
   * Follows a container's output from `sinceSeconds` (Unix time) until it stops or `stop()` is
   * called; stdout and stderr arrive as raw chunks (a chunk may end mid-line).
   */
  async followLogs(
    id: string,
    sinceSeconds: number,
    onChunk: (chunk: Buffer, stream: "stdout" | "stderr") => void,
  ): Promise<{ ended: Promise<void>; stop(): void }> {
    const raw = (await this.docker.getContainer(id).logs({ follow: true, stdout: true, stderr: true, since: sinceSeconds, timestamps: true })) as unknown as NodeJS.ReadableStream & {
      destroy(): void;
    };
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    // One demuxed frame per write, so per 'data' event: one log entry, its timestamp first.
    const filters = { stdout: new LogReplayFilter(), stderr: new LogReplayFilter() };
    const deliver = (which: "stdout" | "stderr") => (frame: Buffer) => {
      const entry = filters[which].pass(frame);
      if (entry && entry.length > 0) onChunk(entry, which);
    };
    stdout.on("data", deliver("stdout"));
    stderr.on("data", deliver("stderr"));
    this.docker.modem.demuxStream(raw, stdout, stderr);
    const ended = new Promise<void>((resolve) => {
      raw.once("end", resolve);
      raw.once("close", resolve);
      raw.once("error", () => resolve());
    });
    return { ended, stop: () => raw.destroy() };
  }

  /**
   * Runs a container to completion: its exit code, its combined output and its stdout and stderr
   * apart (each cut at `maxOutputBytes`). `onOutput` also gets every chunk as it comes (a release
   * command's output streams into the push).
   */
  async runToCompletion(
    spec: ContainerSpec,
    timeoutMs: number,
    maxOutputBytes: number,
    onOutput?: (chunk: Buffer, stream: "stdout" | "stderr") => void,
  ): Promise<{ exitCode: number; output: string; stdout: string; stderr: string; timedOut: boolean }> {
    const id = await this.createContainer(spec);
    const container = this.docker.getContainer(id);
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      const apart = { stdout: { chunks: [] as Buffer[], size: 0 }, stderr: { chunks: [] as Buffer[], size: 0 } };
      const sinkFor = (stream: "stdout" | "stderr") => {
        const sink = new PassThrough();
        sink.on("data", (chunk: Buffer) => {
          onOutput?.(chunk, stream);
          if (size < maxOutputBytes) chunks.push(chunk.subarray(0, maxOutputBytes - size));
          size += chunk.length;
          const own = apart[stream];
          if (own.size < maxOutputBytes) own.chunks.push(chunk.subarray(0, maxOutputBytes - own.size));
          own.size += chunk.length;
        });
        return sink;
      };
      const attached = await container.attach({ stream: true, stdout: true, stderr: true });
      this.docker.modem.demuxStream(attached, sinkFor("stdout"), sinkFor("stderr"));
      await container.start();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        container.kill().catch(() => undefined);
      }, timeoutMs);
      const result = (await container.wait()) as { StatusCode: number };
      clearTimeout(timer);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const text = (parts: Buffer[], total: number) => Buffer.concat(parts).toString("utf8") + (total > maxOutputBytes ? `\n[output cut at ${maxOutputBytes} bytes]` : "");
      return {
        exitCode: result.StatusCode,
        output: text(chunks, size),
        stdout: text(apart.stdout.chunks, apart.stdout.size),
        stderr: text(apart.stderr.chunks, apart.stderr.size),
        timedOut,
      };
    } finally {
      await this.removeContainer(id);
    }
  }

  /**
   * Creates and starts a container with a terminal (`spec.terminal` is implied) of `size`, attached
   * before it starts so none of its output is missed. The caller must `remove()` it in the end.
   */
  async startTerminal(spec: ContainerSpec, size: TerminalSize): Promise<TerminalContainer> {
    const id = await this.createContainer({ ...spec, terminal: true });
    const container = this.docker.getContainer(id);
    const remove = () => this.removeContainer(id);
    try {
      // Hijacked: one raw socket, the terminal's bytes both ways (a TTY's output is not multiplexed).
      const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as TerminalContainer["stream"];
      const drained = new Promise<void>((resolve) => {
        stream.once("end", resolve);
        stream.once("close", resolve);
        stream.once("error", () => resolve());
      });
      await container.start();
      const resize = async ({ cols, rows }: TerminalSize) => {
        try {
          await container.resize({ h: rows, w: cols });
        } catch (error) {
          // It stopped or was removed meanwhile: nothing to resize.
          const status = statusOf(error);
          if (status !== 404 && status !== 409 && status !== 500) throw error;
        }
      };
      await resize(size);
      const exited = (async () => {
        const { StatusCode } = (await container.wait()) as { StatusCode: number };
        // The engine ends the attached stream once the process's last output is through (bounded: an
        // engine that keeps it open must not keep the session).
        let bound: NodeJS.Timeout | undefined;
        await Promise.race([drained, new Promise<void>((resolve) => (bound = setTimeout(resolve, 5_000).unref()))]);
        clearTimeout(bound);
        return StatusCode;
      })();
      exited.catch(() => undefined);
      return { id, stream, resize, exited, remove };
    } catch (error) {
      await remove();
      throw error;
    }
  }

  /**
   * Follows engine events matching the filters until the returned function is called. Reconnects
   * after the engine goes away; `onConnected` runs on every (re)connection, so a caller can catch
   * up on what it missed.
   */
  followEvents(
    filters: Record<string, string[]>,
    handlers: { onEvent(event: EngineEvent): void; onConnected(): void; onError(error: unknown): void },
  ): () => void {
    let stopped = false;
    let current: (NodeJS.ReadableStream & { destroy?: () => void }) | null = null;
    const follow = async () => {
      while (!stopped) {
        try {
          const stream = (await this.docker.getEvents({ filters })) as unknown as NodeJS.ReadableStream;
          current = stream;
          handlers.onConnected();
          let buffered = "";
          await new Promise<void>((resolve) => {
            stream.on("data", (chunk: Buffer) => {
              buffered += chunk.toString("utf8");
              let newline: number;
              while ((newline = buffered.indexOf("\n")) >= 0) {
                const line = buffered.slice(0, newline);
                buffered = buffered.slice(newline + 1);
                if (!line.trim()) continue;
                const raw = JSON.parse(line) as { Type: string; Action: string; Actor: { ID: string; Attributes?: Record<string, string> } };
                handlers.onEvent({ type: raw.Type, action: raw.Action, id: raw.Actor.ID, labels: raw.Actor.Attributes ?? {} });
              }
            });
            stream.once("end", resolve);
            stream.once("error", resolve);
            stream.once("close", resolve);
          });
        } catch (error) {
          if (!stopped) handlers.onError(error);
        }
        if (!stopped) await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    };
    void follow();
    return () => {
      stopped = true;
      current?.destroy?.();
    };
  }
}
