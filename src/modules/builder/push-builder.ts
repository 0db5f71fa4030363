import { performance } from "node:perf_hooks";
import type { PlatformMetrics } from "../metrics";
import type { RequestContext } from "../../core/context";
import { DomainError, describeError } from "../../core/errors";
import { BuildKind, ReleaseStatus } from "../../entities";
import { type ReleasePhaseLine, releasePhaseTopic } from "../../core/topics";
import type { EventBus, ListStore } from "../cache";
import { BuildLog } from "./build-log";
import { BuildSlots } from "./build-slots";
import type { BuilderControl } from "../controller";
import type { RegistryClient } from "../registry";
import { type DockerEngine, type ImageNames, type ImageOwner, type ImagePolicy, ImageRefused, ensureStackImage } from "../docker";
import { buildNetwork } from "../runtime";
import { BuildpackError, planBuild } from "./buildpacks";
import { DockerfileError, pinDockerfile } from "./dockerfile";
import type { GitRepos } from "./git-repos";
import type { HookSession } from "./hook-relay";
import { buildContext, hookGitEnv } from "./source-context";

export interface BuildLimits {
  readonly memoryBytes: number;
  readonly nanoCpus: number;
  readonly timeoutSeconds: number;
  /** Builds at once across apps (one per app always). */
  readonly concurrency: number;
}

const ZERO_SHA = /^0+$/;
const DEPLOY_BRANCHES = new Set(["refs/heads/main", "refs/heads/master"]);
/** Opt-in to pass the app's config to `docker build` as build args (as Deis did). */
export const BUILD_ARGS_KEY = "DEIS_DOCKER_BUILD_ARGS_ENABLED";

/**
 * What happens between `git push` and its last line: build the pushed commit (its Dockerfile, or a
 * buildpack on the stack image), tag it `<registry>/<app>:git-<sha7>`, push it to the registry,
 * record the build and a release, wait for the deploy, and say how it went. Every line goes to
 * the pusher, to the buildLogs subscription and into the build's log.
 */
export class PushBuilder {
  private readonly slots: BuildSlots;

  constructor(
    private readonly control: BuilderControl,
    private readonly repos: GitRepos,
    private readonly engine: DockerEngine,
    private readonly images: ImagePolicy,
    private readonly names: ImageNames,
    private readonly registry: RegistryClient | null,
    private readonly events: EventBus,
    private readonly lists: ListStore,
    private readonly options: { platformId: string; stackImage: string; buildProxy: Readonly<Record<string, string>>; limits: BuildLimits; deployTimeoutMs: number; metrics?: PlatformMetrics },
  ) {
    this.slots = new BuildSlots(options.limits.concurrency);
  }

  /** Handles a push's pre-receive hook; the exit code accepts (0) or refuses the push. */
  async handle(ctx: RequestContext, app: string, appId: string, session: HookSession, hungUp: AbortSignal = new AbortController().signal): Promise<number> {
    const update = session.refs.find((r) => DEPLOY_BRANCHES.has(r.ref) && !ZERO_SHA.test(r.newSha));
    if (!update) {
      session.say("deis: push your main (or master) branch to deploy, e.g. git push deis main");
      return 1;
    }
    const sha = update.newSha;
    const log = new BuildLog(app, sha, this.lists, this.events);
    const say = (line: string) => {
      session.say(line);
      log.add(line);
    };
    if (this.slots.busy) say("-----> Waiting for a free build slot...");
    const release = await this.slots.take();
    const started = performance.now();
    let code = 1;
    try {
      code = await this.build(ctx, { name: app, id: appId }, sha, session, say, log, hungUp);
      return code;
    } catch (error) {
      // Not the build's own output: the platform's log has the details, the pusher gets no internals
      // (a domain error, e.g. the Docker engine down, says what it is, as the API would).
      const what = error instanceof DomainError ? describeError(error) : "the push failed on the platform's side (see the platform's log)";
      say(`deis: ${what}; the previous release keeps serving`);
      ctx.log.error({ err: error, app, sha }, "push failed");
      return 1;
    } finally {
      release();
      this.options.metrics?.build(code === 0 ? "succeeded" : "failed", (performance.now() - started) / 1000);
      await log.flushed();
    }
  }

  private async build(
    ctx: RequestContext,
    owner: ImageOwner,
    sha: string,
    session: HookSession,
    say: (line: string) => void,
    log: BuildLog,
    hungUp: AbortSignal,
  ): Promise<number> {
    const app = owner.name;
    const env = hookGitEnv(session.env, this.repos.path(app));
    say(`-----> Building ${app} from ${sha.slice(0, 7)}`);
    // What the plan reads, all at once (each is a git process or a query): the tree, the two
    // files every plan looks at, the app's config.
    const reads = new Map<string, Promise<string | null>>();
    const read = (name: string) => {
      if (!reads.has(name)) reads.set(name, this.repos.read(app, sha, name, env));
      return reads.get(name)!;
    };
    void read("Procfile");
    void read("Dockerfile");
    const [files, config] = await Promise.all([this.repos.files(app, sha, env), this.control.config(ctx, app)]);
    let plan;
    try {
      plan = await planBuild({ files, read }, this.options.stackImage);
    } catch (error) {
      if (error instanceof BuildpackError) {
        say(`deis: ${error.message}`);
        return 1;
      }
      throw error;
    }
    say(plan.kind === "dockerfile" ? "-----> Dockerfile app detected" : `-----> ${plan.language} app detected (buildpack)`);
    const buildArgs = plan.kind === "dockerfile" && config[BUILD_ARGS_KEY] === "1" ? { ...config } : undefined;
    if (plan.kind === "buildpack") await ensureStackImage(this.engine, ctx.log);
    // Apps share the engine: every image the Dockerfile names is checked and pinned by ID, so a
    // build can only read the stack, outside images and its own app's images.
    let dockerfile: string;
    try {
      dockerfile = await pinDockerfile(plan.kind === "dockerfile" ? ((await read("Dockerfile")) ?? "") : plan.dockerfile, {
        buildArgs,
        labels: this.images.labelsFor(owner),
        resolve: async (use) => {
          try {
            return (await this.images.resolve(owner, use.ref, true)).id;
          } catch (error) {
            // Said like the Dockerfile's own errors: where, then why.
            throw error instanceof ImageRefused ? new ImageRefused(`line ${use.line} (${use.how}): ${error.message}`) : error;
          }
        },
      });
    } catch (error) {
      if (!(error instanceof DockerfileError) && !(error instanceof ImageRefused)) throw error;
      say(`deis: the Dockerfile cannot be built: ${error.message}`);
      return 1;
    }
    const image = this.names.build(app, sha);
    const { context, cleanup } = await buildContext(this.repos.archive(app, sha, env), { Dockerfile: dockerfile });
    try {
      const { limits } = this.options;
      const network = await this.engine.ensureNetwork(buildNetwork(this.options.platformId));
      await this.engine.buildImage(
        context,
        {
          tag: image,
          // Docker's predefined proxy args reach RUN steps without being kept in the image.
          buildArgs: { ...this.options.buildProxy, ...buildArgs },
          network,
          memoryBytes: limits.memoryBytes,
          nanoCpus: limits.nanoCpus,
          timeoutMs: limits.timeoutSeconds * 1000,
        },
        (line) => say(`       ${line}`),
      );
    } catch (error) {
      say(`deis: the build failed: ${(error as Error).message}`);
      return 1;
    } finally {
      cleanup();
    }
    let digest: string | null = null;
    if (this.registry) {
      say(`-----> Pushing ${image}`);
      digest = await this.engine.pushImage(image);
    }
    if (hungUp.aborted) {
      say("deis: the push was cancelled; nothing was released");
      return 1;
    }
    const types = Object.keys(plan.procfile);
    say(`-----> Process types: ${types.length > 0 ? types.join(", ") : "cmd (the image's own command)"}`);
    // The processes before the release, so that every one the deploy starts is reported.
    const step = this.processSteps(ctx, app, say);
    await step();
    // Listening before the release exists, so its release command's first lines are not missed.
    const releasePhase = await this.relayReleasePhase(app, say);
    let outcome;
    let created;
    try {
      created = await this.control.recordPush(ctx, app, {
        kind: plan.kind === "dockerfile" ? BuildKind.DOCKERFILE : BuildKind.BUILDPACK,
        image,
        sha,
        procfile: plan.procfile,
        digest,
        log: log.text(),
      });
      say(`-----> Releasing v${created.version} and deploying...`);
      releasePhase.follow(created.version);
      // The outcome comes with the release's event; meanwhile the processes' progress is shown.
      const progress = this.followProgress(step);
      outcome = await this.control.awaitDeploy(app, created.id, this.options.deployTimeoutMs).finally(() => progress.stop());
    } finally {
      await releasePhase.stop();
    }
    await step();
    // Superseded: a newer release (a config change made meanwhile) runs this build.
    if (outcome.status === ReleaseStatus.SUCCEEDED || outcome.status === ReleaseStatus.SUPERSEDED) {
      say(`done, ${app}:v${created.version} deployed`);
      say(`       ${this.control.appUrl(app)}`);
    } else {
      say(`deis: v${created.version} did not deploy: ${outcome.failureReason ?? outcome.status}; the previous release keeps serving`);
    }
    await this.control.saveBuildLog(created.buildId!, log.text());
    return outcome.status === ReleaseStatus.FAILED || outcome.status === ReleaseStatus.PENDING ? 1 : 0;
  }

  /**
   * Relays the release phase of one release (its version known once it is recorded; lines before
   * that wait) into the push: steps as `-----> ` lines, the command's output indented.
   */
  private async relayReleasePhase(app: string, say: (line: string) => void): Promise<{ follow(version: number): void; stop(): Promise<void> }> {
    const lines = await this.events.subscribe(releasePhaseTopic(app));
    let version: number | null = null;
    const early: ReleasePhaseLine[] = [];
    const relay = (entry: ReleasePhaseLine) => {
      if (entry.version === version) say(entry.step ? `-----> ${entry.line}` : `       ${entry.line}`);
    };
    const done = (async () => {
      for await (const entry of lines) {
        if (version === null) early.push(entry);
        else relay(entry);
      }
    })();
    return {
      follow: (v) => {
        version = v;
        for (const entry of early.splice(0)) relay(entry);
      },
      stop: async () => {
        // Lines already delivered (the last ones come just before the release's outcome) are relayed first.
        await new Promise((resolve) => setImmediate(resolve));
        await lines.return?.();
        await done;
      },
    };
  }

  /**
   * A probe that says, on each call, which processes appeared, started running or went away since
   * the last call ("       web.1 v3 running"): the push's progress while the release deploys.
   */
  private processSteps(ctx: RequestContext, app: string, say: (line: string) => void): () => Promise<void> {
    let known: Map<string, string> | null = null;
    return async () => {
      const current = await this.control.processes(ctx, app).catch(() => null);
      if (!current) return;
      const now = new Map(current.map((p) => [`${p.type}.${p.num} v${p.version}`, p.state]));
      if (known) {
        for (const [name, state] of now) if (known.get(name) !== state) say(`       ${name} ${state === "running" ? "running" : known.has(name) ? state : "started"}`);
        for (const name of known.keys()) if (!now.has(name)) say(`       ${name} stopped`);
      }
      known = now;
    };
  }

  /** Takes a progress step every 250 ms until stopped (what the processes do is not an event the API has). */
  private followProgress(step: () => Promise<void>): { stop(): void } {
    let stopped = false;
    void (async () => {
      while (!stopped) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        if (!stopped) await step();
      }
    })();
    return { stop: () => (stopped = true) };
  }
}
