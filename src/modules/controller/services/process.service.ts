import { type DataSource, IsNull, Not } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { invalidInput, notFound, stateConflict } from "../../../core/errors";
import { AppEventType, announce } from "../../../core/topics";
import { App, type Procfile, Release, ReleaseStatus } from "../../../entities";
import type { EventBus } from "../../cache";
import { type ProcessStatus, type ProcessUsage, type ProcessUsageSampler, type ProcessWithUsage, RELEASE_TYPE, type RunResult, processTypes } from "../../runtime";
import type { RoutingService } from "./routing.service";
import type { DeployService } from "./deploy.service";
import type { UnitOfWork } from "../unit-of-work";
import { validateProcessType } from "../validation/names";
import type { AccessService } from "./access.service";

export const MAX_PROCESSES_PER_TYPE = 100;
const MAX_RUN_SECONDS = 900;

export interface ProcessCount {
  readonly type: string;
  readonly count: number;
}

/** Scale, restart, list and run an app's processes. Scale and restart never make a release. */
export class ProcessService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: AccessService,
    private readonly deploys: DeployService,
    private readonly routing: RoutingService,
    private readonly events: EventBus,
    private readonly sampler: ProcessUsageSampler,
  ) {}

  /** Each request's readings of its processes' usage, by process name. */
  private readonly readings = new WeakMap<RequestContext, Map<string, Promise<ProcessUsage>>>();

  /** The build of the newest release that has one and did not fail (what scale applies to). */
  private async currentProcfile(app: App): Promise<Procfile> {
    const release = await this.dataSource.getRepository(Release).findOne({
      where: { appId: app.id, buildId: Not(IsNull()), status: Not(ReleaseStatus.FAILED) },
      order: { version: "DESC" },
      relations: { build: true },
    });
    if (!release?.build) throw stateConflict(`${app.name} has no build yet: deploy an image or git push first`);
    return release.build.procfile;
  }

  async scale(ctx: RequestContext, appName: string, counts: readonly ProcessCount[]): Promise<App> {
    // A scale writes routes: with discovery down it answers SERVICE_UNAVAILABLE and changes nothing.
    // Asked now, answered below: its bound runs while the checks read the database.
    const reachable = this.routing.requireReachable();
    reachable.catch(() => undefined);
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    if (counts.length === 0) throw invalidInput("processes", "give at least one type=count, e.g. web=2");
    const types = processTypes(await this.currentProcfile(app));
    for (const [i, { type, count }] of counts.entries()) {
      validateProcessType(type, `processes[${i}].type`);
      if (type === RELEASE_TYPE) {
        throw invalidInput(`processes[${i}].type`, "release is the Procfile's release command: it runs once per release, before its processes start, and cannot be scaled");
      }
      if (!types.includes(type)) {
        throw invalidInput(`processes[${i}].type`, `${type} is not a process type of this app (it has ${types.join(", ")})`);
      }
      if (!Number.isInteger(count) || count < 0 || count > MAX_PROCESSES_PER_TYPE) {
        throw invalidInput(`processes.${type}`, `a count is a whole number from 0 to ${MAX_PROCESSES_PER_TYPE}`);
      }
    }
    await reachable;
    const described = counts.map(({ type, count }) => `${type}=${count}`).join(" ");
    return this.unitOfWork.run(ctx, async (tx) => {
      // Read the scale under the app's row lock: two scales (or a scale and a build) at once both count.
      await tx.manager.query(`SELECT id FROM apps WHERE id = $1 FOR UPDATE`, [app.id]);
      // A scale is carried out by a deploy: refuse it (changing nothing) while no deploy can start.
      await this.deploys.ready();
      const { structure: current } = await tx.manager.findOneByOrFail(App, { id: app.id });
      const structure = { ...current, ...Object.fromEntries(counts.map(({ type, count }) => [type, count])) };
      await tx.manager.update(App, { id: app.id }, { structure });
      void announce(tx, {
        type: AppEventType.PROCESSES_CHANGED,
        app: app.name,
        actor: ctx.actorName,
        at: new Date().toISOString(),
        summary: `${ctx.actorName} scaled ${described}`,
      });
      tx.afterCommit(() => this.deploys.converge(app.name));
      ctx.log.info({ app: app.name, structure }, "scaled");
      return tx.manager.findOneByOrFail(App, { id: app.id });
    });
  }

  async processes(ctx: RequestContext, appName: string): Promise<ProcessStatus[]> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    return this.deploys.processes(app.name);
  }

  /**
   * What a process (as `processes`, `restart` or `processMetrics` gave it, so already authorized)
   * uses now, read from the engine once per request however many of its fields are asked for; a
   * sample's own reading when it carries one. Only clients that ask for usage pay for the reading.
   */
  usage(ctx: RequestContext, process: ProcessStatus | ProcessWithUsage): Promise<ProcessUsage> {
    if ("memoryBytes" in process) return Promise.resolve(process);
    let readings = this.readings.get(ctx);
    if (!readings) {
      readings = new Map();
      this.readings.set(ctx, readings);
    }
    let reading = readings.get(process.name);
    if (!reading) {
      reading = this.sampler.sample([process], true).then(([read]) => read);
      readings.set(process.name, reading);
    }
    return reading;
  }

  /** Restarts all processes, one type, or one process (type and num); waits until they serve again. */
  async restart(ctx: RequestContext, appName: string, type?: string | null, num?: number | null): Promise<ProcessStatus[]> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    if (type) validateProcessType(type, "type");
    if (num !== null && num !== undefined && (!type || !Number.isInteger(num) || num < 1)) {
      throw invalidInput("num", "a process number is 1 or more, and needs its type (e.g. web.2)");
    }
    const restarted = await this.deploys.restart(app.name, type, num);
    if (restarted === 0) throw invalidInput(type ? "type" : "app", `no running process matches ${type ?? app.name}${num ? `.${num}` : ""}`);
    await announce(this.events, {
      type: AppEventType.PROCESSES_CHANGED,
      app: app.name,
      actor: ctx.actorName,
      at: new Date().toISOString(),
      summary: `${ctx.actorName} restarted ${type ? `${type}${num ? `.${num}` : ""}` : "all processes"}`,
    });
    return this.deploys.processes(app.name);
  }

  /** A one-off command in a new process with the app's image and config (`deis run`). */
  async run(ctx: RequestContext, appName: string, command: string, timeoutSeconds: number): Promise<RunResult> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    validateCommand(command);
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_RUN_SECONDS) {
      throw invalidInput("timeoutSeconds", `must be a whole number from 1 to ${MAX_RUN_SECONDS}`);
    }
    const result = await this.deploys.run(app.name, command, timeoutSeconds * 1000);
    if (!result) throw stateConflict(`${app.name} has nothing deployed yet: deploy an image or git push first`);
    ctx.log.info({ app: app.name, exitCode: result.exitCode }, "one-off command ran");
    return result;
  }

  /** A detached one-off (`deis run:detached`): started in the background; returns its name (`run.4821`). */
  async runDetached(ctx: RequestContext, appName: string, command: string): Promise<string> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    validateCommand(command);
    const name = await this.deploys.runDetached(app.name, command);
    if (!name) throw stateConflict(`${app.name} has nothing deployed yet: deploy an image or git push first`);
    ctx.log.info({ app: app.name, process: name }, "detached one-off started");
    await this.oneOffChanged(ctx, app.name, `${ctx.actorName} started ${name}`);
    return name;
  }

  /** Stops a detached one-off by its name (`run.4821`). */
  async stopOneOff(ctx: RequestContext, appName: string, name: string): Promise<boolean> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const match = /^run\.([1-9][0-9]{0,8})$/.exec(name);
    if (!match) throw invalidInput("name", "must name a detached one-off, run.<number> as deis ps shows it");
    if (!(await this.deploys.stopOneOff(app.name, Number(match[1])))) throw notFound("process", name);
    ctx.log.info({ app: app.name, process: name }, "detached one-off stopped");
    await this.oneOffChanged(ctx, app.name, `${ctx.actorName} stopped ${name}`);
    return true;
  }

  /** Live views of the app (ps in the dashboard) look again; the process runs (or stopped) whether or not the cache answers. */
  private async oneOffChanged(ctx: RequestContext, app: string, summary: string): Promise<void> {
    await announce(this.events, { type: AppEventType.PROCESSES_CHANGED, app, actor: ctx.actorName, at: new Date().toISOString(), summary }).catch((error: unknown) =>
      ctx.log.warn({ err: error, app }, "one-off event not published"),
    );
  }
}

/** A one-off's command line: not empty, at most 10,000 characters. */
export function validateCommand(command: string): void {
  if (command.trim().length === 0) throw invalidInput("command", "must not be empty");
  if (command.length > 10_000) throw invalidInput("command", "must be at most 10,000 characters");
}
