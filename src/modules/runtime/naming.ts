import { APP_LABEL, type NetworkSpec, PLATFORM_LABEL, type VolumeMount } from "../docker";
import type { AppPlan } from "./scheduler";

/** DESIGN.md "Containers": names and labels every scheduler gives an app's processes. */
export const LABELS = {
  platform: PLATFORM_LABEL,
  app: APP_LABEL,
  release: "deis.release",
  type: "deis.type",
  num: "deis.num",
  volume: "deis.volume",
  /** On interactive one-offs (`deis run -it`): their session holds a lock named after the container. */
  terminal: "deis.terminal",
} as const;

export function containerName(app: string, version: number, type: string, num: number): string {
  return `${app}.v${version}.${type}.${num}`;
}

export function processLabels(platform: string, app: string, version: number, type: string, num: number): Record<string, string> {
  return {
    [LABELS.platform]: platform,
    [LABELS.app]: app,
    [LABELS.release]: `v${version}`,
    [LABELS.type]: type,
    [LABELS.num]: String(num),
  };
}

export interface ProcessIdentity {
  readonly app: string;
  readonly version: number;
  readonly type: string;
  readonly num: number;
}

/** Reads a process's identity back from its labels; null for containers that are not processes. */
export function identityFromLabels(labels: Readonly<Record<string, string>>): ProcessIdentity | null {
  const version = Number(labels[LABELS.release]?.replace(/^v/, ""));
  const num = Number(labels[LABELS.num]);
  const app = labels[LABELS.app];
  const type = labels[LABELS.type];
  if (!app || !type || !Number.isInteger(version) || !Number.isInteger(num)) return null;
  return { app, version, type, num };
}

/** An app's own network (DESIGN.md "Tenants apart"): its processes and one-offs, no one else's. */
export function appNetworkName(platform: string, app: string): string {
  return `${platform}-app-${app}`;
}

/**
 * The app's own network: a bridge on one engine (Docker isolates bridges from each other), or an
 * overlay under Swarm, attachable so its one-offs (plain containers) join it too. Labelled, so the
 * platform finds (and removes) its own.
 */
export function appNetwork(platform: string, app: string, driver: NetworkSpec["driver"]): NetworkSpec {
  return { name: appNetworkName(platform, app), driver, labels: { [LABELS.platform]: platform, [LABELS.app]: app }, interContainer: true };
}

/**
 * The app's volumes as the engine mounts them: named `<platform>-<app>-<name>` (one per platform
 * and app, so platforms and apps sharing an engine never share one) and labelled, so the platform
 * finds (and removes) its own.
 */
export function volumeMounts(platform: string, plan: Pick<AppPlan, "app" | "appId" | "volumes">): VolumeMount[] {
  return plan.volumes.map((v) => ({
    // By the app's id, with dots (which no app or volume name has): by name, app "shop" volume "data-x"
    // and app "shop-data" volume "x" would be the same Docker volume, one tenant's data in another's app.
    name: `${platform}.${plan.appId}.${v.name}`,
    path: v.path,
    labels: { [LABELS.platform]: platform, [LABELS.app]: plan.app, [LABELS.volume]: v.name },
  }));
}

/** Where builds run their steps: the outside, but no app's network and no other build. */
export function buildNetwork(platform: string): NetworkSpec {
  return { name: `${platform}-builds`, driver: "bridge", labels: { [LABELS.platform]: platform }, interContainer: false };
}
