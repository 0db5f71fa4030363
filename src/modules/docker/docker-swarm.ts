import type Docker from "dockerode";
import { statusOf } from "./docker-errors";
import type { VolumeMount } from "./engine-types";
import type { NodeState, ServiceDefinition, ServiceState, TaskState } from "./swarm-types";

const NANOS = 1e9;

/** A named volume as the engine mounts it (containers and services alike). */
export function mountOf(volume: VolumeMount): Docker.MountSettings {
  return { Type: "volume", Source: volume.name, Target: volume.path, VolumeOptions: { NoCopy: false, Labels: { ...volume.labels }, DriverConfig: { Name: "local", Options: {} } } };
}

/** Swarm's spec for a service: rolled one task at a time, new first, rolled back when a new task fails. */
function dockerServiceSpec(def: ServiceDefinition): Docker.ServiceSpec {
  const health = def.healthcheck;
  const rolling = { Parallelism: 1, Delay: 0, Monitor: def.monitorSeconds * NANOS, MaxFailureRatio: 0, Order: "start-first" };
  return {
    Name: def.name,
    Labels: { ...def.labels },
    TaskTemplate: {
      ContainerSpec: {
        Image: def.image,
        // An init passes SIGTERM on, so tasks stop when asked instead of at the grace period's end.
        Init: true,
        Labels: { ...def.labels },
        Args: def.args ? [...def.args] : undefined,
        Env: Object.entries(def.env).map(([key, value]) => `${key}=${value.replaceAll("{{", '{{"{{"}}')}`),
        StopGracePeriod: def.stopGraceSeconds * NANOS,
        Mounts: def.volumes?.length ? def.volumes.map(mountOf) : undefined,
        HealthCheck: health ? {
          Test: ["CMD-SHELL", health.command], Retries: health.retries, Interval: health.intervalSeconds * NANOS,
          Timeout: health.timeoutSeconds * NANOS, StartPeriod: health.startSeconds * NANOS,
        } : undefined,
      },
      Resources: { Limits: { MemoryBytes: def.memoryBytes, NanoCPUs: def.nanoCpus, Pids: def.pidsLimit } },
      Networks: [{ Target: def.network }],
      RestartPolicy: { Condition: "any", Delay: def.restartDelaySeconds * NANOS, MaxAttempts: 0 },
      Placement: { Constraints: [...def.constraints] },
      LogDriver: { Name: "json-file", Options: { "max-size": "10m", "max-file": "2" } },
      ForceUpdate: def.forceUpdate,
    },
    Mode: { Replicated: { Replicas: def.replicas } },
    UpdateConfig: { ...rolling, FailureAction: "rollback" },
    RollbackConfig: { ...rolling, FailureAction: "pause" },
    EndpointSpec: def.publishPort ? { Ports: [{ Protocol: "tcp", TargetPort: def.publishPort, PublishMode: "host" }] } : undefined,
  };
}

/** The Swarm side of the Docker engine (services, tasks, nodes), for the Swarm scheduler. */
export class DockerSwarm {
  constructor(private readonly docker: Docker) {}

  /** This engine's place in a Swarm: `inactive`, `active`, ...; only managers run services. */
  async node(): Promise<{ state: string; manager: boolean; id: string | null; hostname: string }> {
    const info = (await this.docker.info()) as { Name?: string; Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string } };
    return {
      state: info.Swarm?.LocalNodeState ?? "inactive",
      manager: info.Swarm?.ControlAvailable === true,
      id: info.Swarm?.NodeID || null,
      hostname: info.Name ?? "",
    };
  }

  /** Services carrying every one of the labels. */
  async listServices(labels: readonly string[]): Promise<ServiceState[]> {
    const services = await this.docker.listServices({ filters: { label: [...labels] } });
    return services.map((s) => ({
      id: s.ID, name: s.Spec?.Name ?? s.ID, version: s.Version?.Index ?? 0, labels: s.Spec?.Labels ?? {},
      replicas: s.Spec?.Mode?.Replicated?.Replicas ?? 0, forceUpdate: s.Spec?.TaskTemplate?.ForceUpdate ?? 0,
      updateState: s.UpdateStatus?.State ?? null, updateMessage: s.UpdateStatus?.Message ?? null,
    }));
  }

  async createService(def: ServiceDefinition): Promise<string> {
    return (await this.docker.createService(dockerServiceSpec(def))).id;
  }

  /** Replaces a service's spec; `version` is the one read, so a concurrent change fails instead of being lost. */
  async updateService(id: string, version: number, def: ServiceDefinition): Promise<void> {
    await this.docker.getService(id).update({ _query: { version }, _body: dockerServiceSpec(def) });
  }

  /** Puts a service back on its previous spec (Swarm rolls the tasks back); fails if it changed since `version`. */
  async rollbackService(id: string, version: number): Promise<void> {
    const service = await this.docker.getService(id).inspect();
    await this.docker.getService(id).update({ _query: { version, rollback: "previous" }, _body: service.Spec });
  }

  async removeService(id: string): Promise<void> {
    try {
      await this.docker.getService(id).remove();
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  /** Every node of the swarm: its name, address, labels and whether the managers hear from it. */
  async listNodes(): Promise<NodeState[]> {
    type RawNode = {
      ID: string; Spec?: { Labels?: Record<string, string>; Role?: string; Availability?: string };
      Description?: { Hostname?: string }; Status?: { State?: string; Addr?: string; Message?: string }; ManagerStatus?: { Leader?: boolean };
    };
    const nodes = (await this.docker.listNodes()) as RawNode[];
    return nodes.map((n) => ({
      id: n.ID, hostname: n.Description?.Hostname ?? n.ID, address: n.Status?.Addr || null,
      state: n.Status?.State ?? "unknown", availability: n.Spec?.Availability ?? "active",
      role: n.Spec?.Role ?? "worker", leader: n.ManagerStatus?.Leader === true, labels: n.Spec?.Labels ?? {},
      message: n.Status?.Message || null,
    }));
  }

  /** Tasks (current and recent history) of services carrying every one of the labels, with their nodes' addresses. */
  async listTasks(labels: readonly string[]): Promise<TaskState[]> {
    type RawStatus = { State?: string; Err?: string; Message?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string } };
    type RawTask = {
      ID: string; ServiceID: string; Slot?: number; NodeID?: string; DesiredState: string;
      Spec?: { ForceUpdate?: number; ContainerSpec?: { Labels?: Record<string, string> } };
      Status?: RawStatus & { PortStatus?: { Ports?: { PublishedPort?: number }[] } };
    };
    const [tasks, nodes] = (await Promise.all([this.docker.listTasks({ filters: { label: [...labels] } }), this.listNodes()])) as [RawTask[], NodeState[]];
    const byId = new Map(nodes.map((n) => [n.id, n]));
    return tasks.map((t) => ({
      id: t.ID, serviceId: t.ServiceID, slot: t.Slot ?? 0, desiredState: t.DesiredState, forceUpdate: t.Spec?.ForceUpdate ?? 0,
      state: t.Status?.State ?? "new", error: t.Status?.Err || null, message: t.Status?.Message || null,
      nodeAddress: (t.NodeID && byId.get(t.NodeID)?.address) || null, nodeName: (t.NodeID && byId.get(t.NodeID)?.hostname) || null,
      nodeState: (t.NodeID && byId.get(t.NodeID)?.state) || null, since: t.Status?.Timestamp ? new Date(t.Status.Timestamp) : null,
      labels: t.Spec?.ContainerSpec?.Labels ?? {}, containerId: t.Status?.ContainerStatus?.ContainerID || null,
      publishedPort: t.Status?.PortStatus?.Ports?.find((p) => p.PublishedPort)?.PublishedPort ?? null,
    }));
  }

  /** The last healthcheck a container of this engine ran: exit code and output; null when there is none here. */
  async lastHealthcheck(id: string): Promise<string | null> {
    try {
      const info = (await this.docker.getContainer(id).inspect()) as { State: { Health?: { Log?: { ExitCode: number; Output: string }[] } } };
      const last = info.State.Health?.Log?.at(-1);
      return last ? `exit ${last.ExitCode}: ${last.Output.trim().replace(/\s*\n\s*/g, "; ") || "no output"}` : null;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }
}
