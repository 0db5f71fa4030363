/** What the platform asks of the Docker engine and what it reads back (DockerEngine speaks the API). */

/** What the platform asks of one container. */
export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly env: Readonly<Record<string, string>>;
  /** Overrides the image's command; null keeps the image's CMD. */
  readonly cmd: readonly string[] | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly memoryBytes?: number;
  readonly nanoCpus?: number;
  /** Most processes and threads the container may have (a fork bomb stops here). */
  readonly pidsLimit?: number;
  /** The network it joins instead of the engine's default bridge (its app's own). */
  readonly network?: string;
  /** Publishes this container port on `hostIp` at a port Docker picks. */
  readonly publish?: { readonly containerPort: number; readonly hostIp: string };
  /** Named volumes mounted into it (made, with these labels, when they do not exist yet). */
  readonly volumes?: readonly VolumeMount[];
  /** A terminal (TTY) with an open stdin, for an interactive one-off (see DockerEngine.startTerminal). */
  readonly terminal?: boolean;
}

/** A terminal's size in character cells. */
export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
}

/**
 * A running container with a terminal: `stream` carries the terminal's bytes both ways (what is
 * written is typed at it; what is read is its screen output, stdout and stderr as one).
 */
export interface TerminalContainer {
  readonly id: string;
  readonly stream: NodeJS.ReadWriteStream & { end(): void; destroy(): void };
  resize(size: TerminalSize): Promise<void>;
  /** The exit code once it stops (killed: 137), after its last output was read. */
  readonly exited: Promise<number>;
  /** Kills and removes it (gone already is fine). */
  remove(): Promise<void>;
}

/** A named Docker volume mounted at `path`; the engine makes it with `labels` on first use. */
export interface VolumeMount {
  readonly name: string;
  readonly path: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** What the platform asks of a network it makes: a bridge on one engine, an overlay across a swarm. */
export interface NetworkSpec {
  readonly name: string;
  readonly driver: "bridge" | "overlay";
  readonly labels: Readonly<Record<string, string>>;
  /** Whether containers on the network may reach each other (off for builds: one build per container). */
  readonly interContainer: boolean;
}

export interface ContainerState {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** created, running, exited, paused, restarting, removing, dead */
  readonly state: string;
  readonly startedAt: Date | null;
  readonly exitCode: number | null;
  /** The published host port of the web port, when there is one and the container runs. */
  readonly hostPort: number | null;
  /** The container's address on its Docker network, when it runs. */
  readonly ip: string | null;
}

export interface ImageInfo {
  readonly id: string;
  /** Every name the engine knows the image by (`repo:tag`). */
  readonly tags: readonly string[];
  /** The image's labels (the platform marks its builds with their app). */
  readonly labels: Readonly<Record<string, string>>;
  /** Instructions the image runs when another build starts FROM it. */
  readonly onBuild: readonly string[];
  /** The first EXPOSEd TCP port, if any. */
  readonly exposedPort: number | null;
  /** `repo@sha256:...` when the image came from or went to a registry: a reference every node can pull. */
  readonly repoDigest: string | null;
}

export interface ProgressEvent {
  readonly stream?: string;
  readonly status?: string;
  readonly error?: string;
  readonly aux?: { readonly Digest?: string };
}

export interface EngineEvent {
  readonly type: string;
  readonly action: string;
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** One reading of a running container's resource counters (the engine's stats, one shot). */
export interface ContainerStats {
  /** Nanoseconds of CPU the container used since it started, and the host's since boot (both counters). */
  readonly cpuTotalNs: number;
  readonly systemCpuNs: number;
  readonly onlineCpus: number;
  /** Memory in use without the page cache (as `docker stats` shows it), and the container's limit. */
  readonly memoryBytes: number;
  readonly memoryLimitBytes: number;
  /** Bytes received and sent on all its network interfaces since it started. */
  readonly networkRxBytes: number;
  readonly networkTxBytes: number;
}
