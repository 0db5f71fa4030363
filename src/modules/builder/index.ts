import { join } from "node:path";
import { utils as sshUtils } from "ssh2";
import type { Logger } from "../../core/logger";
import { appDestroyedTopic } from "../../core/topics";
import type { Cache } from "../cache";
import { type BuilderControl, fingerprintOf } from "../controller";
import type { RegistryClient } from "../registry";
import type { DockerEngine, ImageNames, ImagePolicy } from "../docker";
import type { PlatformMetrics } from "../metrics";
import { GitRepos } from "./git-repos";
import { HookRelay, hookScript } from "./hook-relay";
import { loadHostKey } from "./host-key";
import { type BuildLimits, PushBuilder } from "./push-builder";
import { startSshServer } from "./ssh-server";

export { parseProcfile, planBuild } from "./buildpacks";
export { parseGitCommand } from "./git-command";
export type { BuildLimits } from "./push-builder";

export interface BuilderOptions {
  readonly host: string;
  readonly port: number;
  /** Holds the host key, the hook socket and the apps' bare repositories. */
  readonly dataDir: string;
  readonly stackImage: string;
  readonly limits: BuildLimits;
  /** HTTP_PROXY, HTTPS_PROXY, NO_PROXY for builds' RUN steps. */
  readonly buildProxy: Readonly<Record<string, string>>;
  /** Names the network builds run on (`<platformId>-builds`). */
  readonly platformId: string;
  /** Seconds a connection may take to authenticate, and how many may be waiting to at once. */
  readonly loginGraceSeconds: number;
  readonly maxStartups: number;
  /** A push waits for its release's command as well as its deploy. */
  readonly releasePhaseTimeoutSeconds: number;
}

export interface RunningBuilder {
  readonly port: number;
  /** The SSH host key's SHA256 fingerprint, as `ssh` shows it on the first push (the start-up banner prints it). */
  readonly hostKeyFingerprint: string;
  close(): Promise<void>;
}

/** The builder module: `git push` over SSH to a build, a release and a deploy. Runs inside `up`. */
export async function startBuilder(
  deps: {
    /** The controller, as narrow as the builder needs it. */
    control: BuilderControl;
    cache: Cache;
    engine: DockerEngine;
    images: ImagePolicy;
    names: ImageNames;
    registry: RegistryClient | null;
    log: Logger;
    /** Pushes by outcome, with their durations. */
    metrics?: PlatformMetrics;
  },
  options: BuilderOptions,
): Promise<RunningBuilder> {
  const log = deps.log.child({ module: "builder" });
  const relay = new HookRelay(join(options.dataDir, "builder", "hooks.sock"));
  const hostKey = loadHostKey(join(options.dataDir, "builder", "ssh_host_ed25519_key"));
  await relay.listen();
  const repos = new GitRepos(join(options.dataDir, "git"), hookScript(relay.socketPath));
  // A destroyed app's repository goes with it (ensure() also wipes one left behind).
  const destroyed = await deps.cache.events.subscribe(appDestroyedTopic);
  void (async () => {
    for await (const { app } of destroyed) repos.remove(app);
  })();
  const builder = new PushBuilder(deps.control, repos, deps.engine, deps.images, deps.names, deps.registry, deps.cache.events, deps.cache.lists, {
    platformId: options.platformId,
    stackImage: options.stackImage,
    limits: options.limits,
    buildProxy: options.buildProxy,
    deployTimeoutMs: 10 * 60_000 + options.releasePhaseTimeoutSeconds * 1000,
    metrics: deps.metrics,
  });
  try {
    const ssh = await startSshServer({
      host: options.host,
      port: options.port,
      hostKey,
      control: deps.control,
      repos,
      relay,
      builder,
      locks: deps.cache.locks,
      log,
      loginGraceMs: options.loginGraceSeconds * 1000,
      maxStartups: options.maxStartups,
    });
    const parsed = sshUtils.parseKey(hostKey);
    if (parsed instanceof Error) throw parsed;
    const publicBlob = Array.isArray(parsed) ? parsed[0] : parsed;
    return {
      port: ssh.port,
      hostKeyFingerprint: fingerprintOf(publicBlob.getPublicSSH()),
      async close() {
        await destroyed.return?.();
        await ssh.close();
        await relay.close();
      },
    };
  } catch (error) {
    await destroyed.return?.();
    await relay.close();
    throw error;
  }
}
