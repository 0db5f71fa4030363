import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DockerEngine } from "../../src/modules/docker";
import { startRegistry } from "../../src/modules/registry";
import { prepareDocker } from "./docker";
import { freePort, pidAlive } from "./processes";
import { scaled } from "./time";

const SCRIPT = join(__dirname, "..", "..", "scripts", "swarm-cluster.sh");

/** A Swarm of several engines on this machine (scripts/swarm-cluster.sh) and a registry every node reaches. */
export interface SwarmCluster {
  /** The manager's engine: what the platform drives (DOCKER_HOST). */
  readonly dockerHost: string;
  readonly manager: DockerEngine;
  /** The platform registry, on the cluster bridge's address (the nodes pull from it). */
  readonly registryUrl: string;
  /** Node i's engine (0 is the manager). */
  engine(node: number): DockerEngine;
  /** Node i's hostname, as Swarm and `ps` name it. */
  hostname(node: number): string;
  /** Node i's address on the bridge: where its tasks' ports are published. */
  address(node: number): string;
  /** Sets (or with null removes) a label on node i, as `docker node update --label-add` does. */
  label(node: number, key: string, value: string | null): Promise<void>;
  /** Stops node i's dockerd by its PID (its containers stop with it): a lost node. */
  stopNode(node: number): Promise<void>;
  /** Cuts node i off the network (its link down): its engine and tasks run on, unreachable. */
  cutNode(node: number): Promise<void>;
  /** Stops every engine and the registry by PID; removes namespaces, links, mounts and data. */
  stop(): Promise<void>;
}

function script(args: string[], id: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("bash", [SCRIPT, ...args], { env: { ...process.env, DEISW_ID: String(id) }, timeout: timeoutMs }, (error, stdout, stderr) =>
      error ? reject(new Error(`swarm-cluster.sh ${args[0]} failed: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/**
 * Starts the three-engine test swarm (manager deisw-n0, workers deisw-n1 and deisw-n2, labelled
 * node=n<i> and role=manager|worker) as cluster `id` (DEISW_ID: 10.214.<id>.0/24), a registry on
 * the bridge's address, and the stack and echo images on the manager. Needs root.
 */
export async function startSwarmCluster(root: string, id = Number(process.env.DEIS_TEST_SWARM_ID ?? "1")): Promise<SwarmCluster> {
  const dir = mkdtempSync(join(root, "swarm-"));
  const state = join(dir, "cluster");
  const net = `10.214.${id}`;
  await script(["up", state], id, scaled(120_000));
  let registry: Awaited<ReturnType<typeof startRegistry>> | null = null;
  const stop = async () => {
    await registry?.stop();
    await script(["down", state], id, scaled(180_000));
    rmSync(dir, { recursive: true, force: true }); // the registry's images
  };
  try {
    registry = await startRegistry(join(dir, "registry"), `${net}.1`, await freePort());
    const engines = [0, 1, 2].map((i) => new DockerEngine({ socketPath: join(state, `n${i}`, "docker.sock") }));
    await prepareDocker(engines[0]);
    const registryUrl = registry.url;
    return {
      dockerHost: `unix://${join(state, "n0", "docker.sock")}`,
      manager: engines[0],
      registryUrl,
      engine: (i) => engines[i],
      hostname: (i) => `deisw-n${i}`,
      address: (i) => `${net}.1${i}`,
      async label(i, key, value) {
        const id = ((await engines[i].docker.info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
        const node = engines[0].docker.getNode(id);
        const { Version, Spec } = (await node.inspect()) as { Version: { Index: number }; Spec: { Labels?: Record<string, string> } };
        const labels = { ...Spec.Labels };
        if (value === null) delete labels[key];
        else labels[key] = value;
        await node.update({ _query: { version: Version.Index }, _body: { ...Spec, Labels: labels } });
      },
      async cutNode(i) {
        await script(["cut-node", String(i)], id, scaled(30_000));
      },
      async stopNode(i) {
        const pidfile = join(state, `n${i}`, "dockerd.pid");
        if (!existsSync(pidfile)) throw new Error(`node ${i} has no dockerd.pid`);
        const pid = Number(readFileSync(pidfile, "utf8"));
        await script(["stop-node", String(i), state], id, scaled(120_000));
        if (pidAlive(pid)) throw new Error(`dockerd ${pid} of node ${i} is still running`);
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
