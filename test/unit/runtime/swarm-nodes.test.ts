import pino from "pino";
import type { DockerEngine, NodeState, ServiceState, TaskState } from "../../../src/modules/docker";
import { SwarmScheduler } from "../../../src/modules/runtime/swarm-scheduler";

const node = (hostname: string, state: string, availability: string, labels: Record<string, string>): NodeState => ({
  id: `id-${hostname}`, hostname, address: `10.0.0.${hostname.slice(-1)}`, state, availability, role: "worker", leader: false, labels, message: null,
});

const NODES = [node("n0", "ready", "active", { node: "n0", zone: "a" }), node("n1", "down", "active", { node: "n1" }), node("n2", "ready", "drain", { node: "n2" })];

const SERVICE: ServiceState = {
  id: "svc", name: "shop_web", version: 1, labels: { "deis.type": "web" }, replicas: 2, forceUpdate: 0, updateState: null, updateMessage: null,
};

const task = (id: string, on: NodeState, desiredState: string, state: string): TaskState => ({
  id, serviceId: "svc", slot: Number(id.slice(-1)), nodeAddress: on.address, nodeName: on.hostname, nodeState: on.state, desiredState, state,
  error: null, message: null, since: new Date(0), labels: { "deis.type": "web", "deis.release": "v3" }, forceUpdate: 0, containerId: null, publishedPort: 30001,
});

/** An engine that answers with these nodes and tasks, as Swarm reports them. */
function engine(tasks: TaskState[]): DockerEngine {
  return {
    swarm: {
      listNodes: async () => NODES,
      listServices: async () => [SERVICE],
      listTasks: async () => tasks,
    },
    listContainers: async () => [],
  } as unknown as DockerEngine;
}

const scheduler = (tasks: TaskState[] = []) =>
  new SwarmScheduler(engine(tasks), { platformId: "deis", hostIp: "127.0.0.1", drainSeconds: 0, stopTimeoutSeconds: 1 }, pino({ level: "silent" }));

describe("the Swarm scheduler's view of the nodes", () => {
  test("tags place an app only where a node that is up and takes tasks has every one of them as labels", async () => {
    const swarm = scheduler();
    expect(await swarm.placementProblem({})).toBeNull();
    expect(await swarm.placementProblem({ node: "n0" })).toBeNull();
    expect(await swarm.placementProblem({ node: "n0", zone: "a" })).toBeNull();
    // n1 is down, n2 drains, no node has both labels, none has zone=b.
    const refused: Record<string, string>[] = [{ node: "n1" }, { node: "n2" }, { node: "n0", zone: "b" }, { zone: "b" }];
    for (const tags of refused) {
      expect(await swarm.placementProblem(tags)).toMatch(/^no node of the swarm that is up and takes tasks has the labels /);
    }
    expect(await swarm.placementProblem({ node: "n0", zone: "b" })).toContain("node=n0, zone=b");
  });

  test("nodes lists every node by name with its address, state and labels", async () => {
    expect((await scheduler().nodes()).map((n) => [n.name, n.address, n.state, n.availability])).toEqual([
      ["n0", "10.0.0.0", "ready", "active"],
      ["n1", "10.0.0.1", "down", "active"],
      ["n2", "10.0.0.2", "ready", "drain"],
    ]);
  });

  test("a task Swarm still calls running on a node that is down is shown node-down, unrouted; one it gave up on is gone", async () => {
    const [n0, n1] = NODES;
    const tasks = [task("t1", n0, "running", "running"), task("t2", n1, "running", "running"), task("t3", n1, "shutdown", "running")];
    const processes = await scheduler(tasks).processes("shop");
    expect(processes.map((p) => [p.name, p.node, p.state, p.address])).toEqual([
      ["shop_web.1.t1", "n0", "running", "10.0.0.0:30001"],
      ["shop_web.2.t2", "n1", "node-down", null],
    ]);
  });
});
