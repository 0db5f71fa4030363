import type { RequestContext } from "../../core/context";
import type { Release, User } from "../../entities";
import type { ProcessStatus } from "../runtime";
import type { PushedBuild } from "./services/build.service";
import type { DeployOutcome } from "./services/deploy.service";
import type { Services } from "./index";

export type { DeployOutcome, PushedBuild };

/**
 * All the builder asks of the controller (it never reads the database itself): who a key belongs
 * to, whether they may push, the config a build starts from, recording the push and waiting for its
 * deploy, the build's log, and where the app answers.
 */
export interface BuilderControl {
  /** The user whose SSH key has this SHA256 fingerprint, or null. */
  userForKey(fingerprint: string): Promise<User | null>;
  /** The app's id when the context's user may push to it (`collaborator`) or clone it (`owner`); throws a domain error otherwise. */
  authorize(ctx: RequestContext, app: string, role: "owner" | "collaborator"): Promise<string>;
  /** The config values a new build's release starts from. */
  config(ctx: RequestContext, app: string): Promise<Readonly<Record<string, string>>>;
  /** Records the build and a release that deploys in the background. */
  recordPush(ctx: RequestContext, app: string, build: PushedBuild): Promise<Release>;
  /** Waits for the release's deploy to end (deployed, superseded or failed), at most `timeoutMs`. */
  awaitDeploy(app: string, releaseId: string, timeoutMs: number): Promise<DeployOutcome>;
  /** Keeps the build's whole log with the build. */
  saveBuildLog(buildId: string, log: string): Promise<void>;
  /** The app's processes, for the push's progress lines. */
  processes(ctx: RequestContext, app: string): Promise<ProcessStatus[]>;
  /** `http://<app>.<domain>[:port]`. */
  appUrl(app: string): string;
}

/** The controller's side of BuilderControl: each call is one service call. */
export function builderFace(services: Services): BuilderControl {
  return {
    userForKey: (fingerprint) => services.keys.userForFingerprint(fingerprint),
    authorize: async (ctx, app, role) => (await services.access.requireApp(ctx, app, role)).id,
    config: async (ctx, app) => (await services.configs.current(ctx, app)).values,
    recordPush: (ctx, app, build) => services.builds.recordPush(ctx, app, build),
    awaitDeploy: (app, releaseId, timeoutMs) => services.deploys.outcome(app, releaseId, timeoutMs),
    saveBuildLog: (buildId, log) => services.builds.saveLog(buildId, log),
    processes: (ctx, app) => services.processes.processes(ctx, app),
    appUrl: (app) => services.platform.appUrl(app),
  };
}
