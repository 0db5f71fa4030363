import type { VolumeMount } from "./engine-types";
/** The Swarm objects as the platform sees them; DockerSwarm translates them to and from the engine API. */

/** What the platform asks of one Swarm service: a process type at a scale, rolled one task at a time. */
export interface ServiceDefinition {
  readonly name: string;
  /** A reference the nodes need not pull from the internet (an image ID or `repo@digest`). */
  readonly image: string;
  /** Swarm expands Go templates in env values; the engine escapes `{{` so values stay literal. */
  readonly env: Readonly<Record<string, string>>;
  /** Overrides the image's CMD (its ENTRYPOINT stays); null keeps it. */
  readonly args: readonly string[] | null;
  /** On the service and on each task's container. */
  readonly labels: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly memoryBytes?: number;
  readonly nanoCpus?: number;
  readonly pidsLimit?: number;
  /** The app's own overlay network (its tasks reach each other, no other app's). */
  readonly network: string;
  /** Named (local) volumes mounted into each task; the node makes them on first use. */
  readonly volumes?: readonly VolumeMount[];
  /** Placement constraints, e.g. `node.labels.region==eu`. */
  readonly constraints: readonly string[];
  /** Publishes this container port in host mode, on a port each node picks per task. */
  readonly publishPort: number | null;
  /** A shell command run inside the container: a task counts as running once it passes, and is replaced if it fails later. */
  readonly healthcheck: { command: string; intervalSeconds: number; timeoutSeconds: number; retries: number; startSeconds: number } | null;
  readonly stopGraceSeconds: number;
  readonly restartDelaySeconds: number;
  /** Seconds after each updated task starts during which its failure rolls the update back. */
  readonly monitorSeconds: number;
  /** Bumping it replaces every task with an identical one (a restart). */
  readonly forceUpdate: number;
}

export interface ServiceState {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly forceUpdate: number;
  /** updating, paused, completed, rollback_started, rollback_paused, rollback_completed; null before any update. */
  readonly updateState: string | null;
  readonly updateMessage: string | null;
}

export interface TaskState {
  readonly id: string;
  readonly serviceId: string;
  readonly slot: number;
  /** The address its node reports (Status.Addr), once it is placed. */
  readonly nodeAddress: string | null;
  /** Its node's hostname, once it is placed. */
  readonly nodeName: string | null;
  /** Its node's state (ready, down, ...), once it is placed: a task on a node that is not ready reports nothing new. */
  readonly nodeState: string | null;
  /** running, shutdown, ... what the orchestrator wants */
  readonly desiredState: string;
  /** new, pending, ..., starting, running, complete, failed, shutdown, rejected, orphaned */
  readonly state: string;
  readonly error: string | null;
  readonly message: string | null;
  /** When the task entered its state. */
  readonly since: Date | null;
  /** Its container's labels (the task spec's). */
  readonly labels: Readonly<Record<string, string>>;
  readonly forceUpdate: number;
  readonly containerId: string | null;
  /** The port its node published, when it runs. */
  readonly publishedPort: number | null;
}

/** One node of the swarm as the managers see it. */
export interface NodeState {
  readonly id: string;
  readonly hostname: string;
  /** The address it reports (Status.Addr): where its host-mode ports are published. */
  readonly address: string | null;
  /** ready, down, disconnected, unknown: whether the managers hear from it. */
  readonly state: string;
  /** active, pause, drain: whether it takes tasks. */
  readonly availability: string;
  readonly role: string;
  readonly leader: boolean;
  /** The node's labels (`docker node update --label-add`): what apps' tags are matched against. */
  readonly labels: Readonly<Record<string, string>>;
  readonly message: string | null;
}
