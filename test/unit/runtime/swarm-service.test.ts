import type { AppPlan } from "../../../src/modules/runtime/scheduler";
import { DEFAULT_HEALTHCHECK } from "../../../src/modules/runtime/health";
import { volumeMounts } from "../../../src/modules/runtime/naming";
import { SPEC_LABEL, healthcheckCommand, serviceDefinition, serviceName, swarmHealthcheckTiming } from "../../../src/modules/runtime/swarm-service";

const SWARM_NAME = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/;
const defaults = { platformId: "deis", stopTimeoutSeconds: 10, restartDelaySeconds: 3, monitorSeconds: 3 };

function plan(overrides: Partial<AppPlan> = {}, count = 1): AppPlan {
  return {
    app: "shop",
    appId: "0b9a4d52-5c1e-4c7e-9d0f-3a1f2b6c7d8e",
    version: 4,
    image: "deis-apps/shop:v4",
    env: { PORT: "5000", GREETING: "hi" },
    port: 5000,
    tags: {},
    volumes: [],
    oneOff: { memoryBytes: 512 * 1024 * 1024, pidsLimit: 256 },
    processes: [
      { type: "web", count, command: ["/bin/sh", "-c", "node server.js"], routed: true, memoryBytes: 512 * 1024 * 1024, pidsLimit: 256, healthcheck: DEFAULT_HEALTHCHECK },
      { type: "worker", count: 1, command: ["/bin/sh", "-c", "node worker.js"], routed: false, memoryBytes: 512 * 1024 * 1024, pidsLimit: 256, healthcheck: DEFAULT_HEALTHCHECK },
    ],
    ...overrides,
  };
}

describe("Swarm services of an app", () => {
  test("are named <app>_<type>, or a valid shortened name with a digest when Swarm would refuse that", () => {
    expect(serviceName("shop", "web")).toBe("shop_web");
    const long = `a${"b".repeat(61)}c`;
    const names = [serviceName(long, "web"), serviceName(long, "worker"), serviceName("shop", "web-"), serviceName("shop", "job_")];
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(SWARM_NAME);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(serviceName(long, "web")).toBe(names[0]);
  });

  test("check health inside the container with wget/curl on the path, or nc on the port, quoting the path", () => {
    const http = healthcheckCommand({ ...DEFAULT_HEALTHCHECK, path: "/it's" }, 5000);
    expect(http).toContain(`'http://127.0.0.1:5000/it'\\''s'`);
    expect(http).toMatch(/wget -q -O \/dev\/null/);
    expect(healthcheckCommand(DEFAULT_HEALTHCHECK, 8080)).toMatch(/nc -z 127\.0\.0\.1 8080/);
  });

  test("check at most once a second, over the span the platform's own check would take", () => {
    // The default looks every 10 ms 6,000 times: a minute, as 60 checks a second apart.
    expect(swarmHealthcheckTiming(DEFAULT_HEALTHCHECK)).toEqual({ intervalSeconds: 1, timeoutSeconds: 2, retries: 60, startSeconds: 0 });
    const slow = { path: "/health", initialDelaySeconds: 5, timeoutSeconds: 3, periodSeconds: 2, failureThreshold: 4 };
    expect(swarmHealthcheckTiming(slow)).toEqual({ intervalSeconds: 2, timeoutSeconds: 3, retries: 4, startSeconds: 5 });
  });

  test("carry a digest that changes with the spec but not with the scale or a restart", () => {
    const web = (p: AppPlan, forceUpdate = 0) => serviceDefinition(p, p.processes[0], "sha256:abc", defaults, forceUpdate);
    const base = web(plan());
    expect(web(plan()).digest).toBe(base.digest);
    expect(web(plan({}, 3)).digest).toBe(base.digest);
    expect(web(plan(), 2)).toMatchObject({ digest: base.digest, definition: { forceUpdate: 2 } });
    expect(web(plan({ env: { PORT: "5000", GREETING: "bonjour" } })).digest).not.toBe(base.digest);
    expect(web(plan({ version: 5 })).digest).not.toBe(base.digest);
    expect(base.definition.labels).toMatchObject({ "deis.app": "shop", "deis.type": "web", "deis.release": "v4", [SPEC_LABEL]: base.digest });
    expect(base.definition).toMatchObject({ replicas: 1, publishPort: 5000, image: "sha256:abc" });
  });

  test("publish and health-check only routed types; tags become placement constraints", () => {
    const p = plan({ tags: { region: "eu", disk: "ssd" } });
    const worker = serviceDefinition(p, p.processes[1], "sha256:abc", defaults, 0).definition;
    expect(worker).toMatchObject({ publishPort: null, healthcheck: null, constraints: ["node.labels.disk==ssd", "node.labels.region==eu"] });
    const web = serviceDefinition(p, p.processes[0], "sha256:abc", defaults, 0).definition;
    expect(web.healthcheck).toMatchObject({ intervalSeconds: 1, retries: 60, startSeconds: 0 });
  });

  test("mount the app's volumes (named per platform and app, labelled) and pin an app with volumes to the node holding them", () => {
    const p = plan({ volumes: [{ name: "data", path: "/data" }] });
    const { definition } = serviceDefinition(p, p.processes[0], "sha256:abc", defaults, 0, "node-1");
    expect(definition.volumes).toEqual([{ name: "deis.0b9a4d52-5c1e-4c7e-9d0f-3a1f2b6c7d8e.data", path: "/data", labels: { "deis.platform": "deis", "deis.app": "shop", "deis.volume": "data" } }]);
    expect(definition.constraints).toEqual(["node.id==node-1"]);
    const none = plan();
    expect(serviceDefinition(none, none.processes[0], "sha256:abc", defaults, 0, "node-1").definition.constraints).toEqual([]);
  });

  test("two apps' volumes never share a Docker volume, whatever their names spell together", () => {
    // By name, "shop" + "data-x" and "shop-data" + "x" would both be deis-shop-data-x.
    const a = volumeMounts("deis", { app: "shop", appId: "0b9a4d52-5c1e-4c7e-9d0f-3a1f2b6c7d8e", volumes: [{ name: "data-x", path: "/d" }] });
    const b = volumeMounts("deis", { app: "shop-data", appId: "7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f", volumes: [{ name: "x", path: "/d" }] });
    expect(a[0].name).not.toBe(b[0].name);
  });
});
