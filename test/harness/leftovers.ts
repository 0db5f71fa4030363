import { type DockerEngine, ImageNames } from "../../src/modules/docker";
import { eventually } from "./wait";

/**
 * Removes what a platform (by its id) left on the shared engine: Swarm services, containers, the
 * release images of `apps` (under every name the registry setting gives them), its volumes and its networks.
 * Every harness, test and bench that starts a platform ends with this, so runs leave nothing behind
 * (per-app networks use up the engine's address pools).
 */
export async function removePlatformLeftovers(
  engine: DockerEngine,
  platformId: string,
  apps: readonly string[],
  registryUrl: string | null = null,
): Promise<void> {
  const label = `deis.platform=${platformId}`;
  if ((await engine.swarm.node()).manager) {
    for (const service of await engine.swarm.listServices([label])) await engine.swarm.removeService(service.id);
  }
  for (const container of await engine.listContainers([label])) await engine.removeContainer(container.id);
  await engine.removeVolumes([label]);
  const names = new ImageNames(registryUrl ? new URL(registryUrl).host : null);
  for (const app of apps) for (const prefix of names.prefixes) await engine.removeImages(`${prefix}${app}`);
  // Networks last: Swarm takes a moment to let go of a removed service's overlay.
  await eventually("the platform's networks to be removed", async () => ((await engine.removeNetworks([label])).length === 0 ? true : undefined));
}
