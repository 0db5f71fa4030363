import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { loadById } from "../loaders";
import { invalidInput } from "../../../core/errors";
import { type App, Config, type Release } from "../../../entities";
import { AppEventType, announce } from "../../../core/topics";
import type { UnitOfWork } from "../unit-of-work";
import { type ConfigChange, applyConfigChanges, validateConfigKey } from "../validation/config-rules";
import { validateProcessType } from "../validation/names";
import { type HealthcheckInput, parseCpu, parseMemory, validateHealthcheck } from "../validation/process-rules";
import type { AccessService } from "./access.service";
import type { ReleaseService } from "./release.service";
import { describeKeyChanges } from "./summaries";

export interface LimitChange {
  readonly type: string;
  /** null removes the limit. */
  readonly value: string | null;
}

const MAX_TAGS = 50;

type ConfigFields = Pick<Config, "values" | "limits" | "healthchecks" | "tags">;

/** What a change makes of the current config, and how the release describes it; null = no change. */
type ConfigEdit = (current: ConfigFields, actor: string) => { next: Partial<ConfigFields>; summary: string } | null;

/**
 * An app's configuration: values, limits, healthchecks and tags. Config rows are immutable; every
 * change writes a new one and a new release (DESIGN.md "Release semantics").
 */
export class ConfigService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: AccessService,
    private readonly releases: ReleaseService,
    /** Why no node could run an app with these tags, or null (the runtime's scheduler decides). */
    private readonly placementProblem: (tags: Readonly<Record<string, string>>) => Promise<string | null> = async () => null,
  ) {}

  /** The config new releases start from: the newest release's that did not fail. */
  async current(ctx: RequestContext, appName: string): Promise<Config> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    return (await this.unitOfWork.run(ctx, (tx) => this.releases.baseIn(tx, app))).config;
  }

  byId(ctx: RequestContext, id: string): Promise<Config | null> {
    return loadById(ctx, this.dataSource.getRepository(Config), id);
  }

  /** Sets and unsets values in one release; a null value unsets its key. */
  setValues(ctx: RequestContext, appName: string, changes: readonly ConfigChange[]): Promise<Release> {
    return this.change(ctx, appName, (current, actor) => {
      const diff = applyConfigChanges(current.values, changes);
      if (diff.added.length + diff.changed.length + diff.removed.length === 0) return null;
      return { next: { values: diff.values }, summary: describeKeyChanges(actor, diff.added, diff.changed, diff.removed) };
    });
  }

  setLimits(
    ctx: RequestContext,
    appName: string,
    memory: readonly LimitChange[],
    cpu: readonly LimitChange[],
  ): Promise<Release> {
    if (memory.length + cpu.length === 0) throw invalidInput("memory", "give at least one memory or cpu limit");
    return this.change(ctx, appName, (current, actor) => {
      const limits = structuredClone(current.limits);
      const described: string[] = [];
      const apply = (kind: "memory" | "cpu", changes: readonly LimitChange[]) => {
        for (const [i, { type, value }] of changes.entries()) {
          validateProcessType(type, `${kind}[${i}].type`);
          const entry = (limits[type] ??= {});
          if (value === null) {
            if (entry[kind] === undefined) throw invalidInput(`${kind}.${type}`, `there is no ${kind} limit on ${type} to unset`);
            delete entry[kind];
            described.push(`${type} ${kind} unlimited`);
          } else {
            if (kind === "memory") parseMemory(value, `${kind}.${type}`);
            else parseCpu(value, `${kind}.${type}`);
            if (entry[kind] === value.trim()) continue;
            entry[kind] = value.trim();
            described.push(`${type} ${kind}=${value.trim()}`);
          }
          if (Object.keys(entry).length === 0) delete limits[type];
        }
      };
      apply("memory", memory);
      apply("cpu", cpu);
      if (described.length === 0) return null;
      return { next: { limits }, summary: `${actor} changed limits: ${described.join(", ")}` };
    });
  }

  setHealthcheck(ctx: RequestContext, appName: string, type: string, input: HealthcheckInput): Promise<Release> {
    validateProcessType(type, "type");
    const healthcheck = validateHealthcheck(input);
    return this.change(ctx, appName, (current, actor) => {
      if (JSON.stringify(current.healthchecks[type]) === JSON.stringify(healthcheck)) return null;
      const check = healthcheck.path ? `GET ${healthcheck.path}` : "a TCP connect";
      return {
        next: { healthchecks: { ...current.healthchecks, [type]: healthcheck } },
        summary: `${actor} set the ${type} healthcheck to ${check}`,
      };
    });
  }

  unsetHealthcheck(ctx: RequestContext, appName: string, type: string): Promise<Release> {
    validateProcessType(type, "type");
    return this.change(ctx, appName, (current, actor) => {
      if (!current.healthchecks[type]) throw invalidInput("type", `${type} has no healthcheck to unset`);
      const healthchecks = { ...current.healthchecks };
      delete healthchecks[type];
      return { next: { healthchecks }, summary: `${actor} removed the ${type} healthcheck` };
    });
  }

  /** Tags place an app's containers on matching hosts (Swarm node labels). */
  async setTags(ctx: RequestContext, appName: string, changes: readonly ConfigChange[]): Promise<Release> {
    if (changes.length === 0) throw invalidInput("tags", "give at least one tag to set or unset");
    const edit: ConfigEdit = (current, actor) => {
      const tags = { ...current.tags };
      const added: string[] = [];
      const changed: string[] = [];
      const removed: string[] = [];
      const seen = new Set<string>();
      for (const [i, { key, value }] of changes.entries()) {
        validateConfigKey(key, `tags[${i}].key`);
        if (seen.has(key)) throw invalidInput(`tags.${key}`, "a tag may appear only once per change");
        seen.add(key);
        if (value === null) {
          if (!(key in tags)) throw invalidInput(`tags.${key}`, "cannot unset a tag that is not set");
          delete tags[key];
          removed.push(key);
        } else {
          if (value.length > 256) throw invalidInput(`tags.${key}`, "a tag value is at most 256 characters");
          if (!(key in tags)) added.push(key);
          else if (tags[key] !== value) changed.push(key);
          tags[key] = value;
        }
      }
      if (Object.keys(tags).length > MAX_TAGS) throw invalidInput("tags", `an app has at most ${MAX_TAGS} tags`);
      if (added.length + changed.length + removed.length === 0) return null;
      return { next: { tags }, summary: describeKeyChanges(actor, added, changed, removed, "tag") };
    };
    // Like Deis: tags no node has are refused, not left to a deploy that waits for a node forever.
    const preview = edit(await this.current(ctx, appName), ctx.actorName);
    const problem = preview?.next.tags && Object.keys(preview.next.tags).length > 0 ? await this.placementProblem(preview.next.tags) : null;
    if (problem) throw invalidInput("tags", `${problem}; label a node first (docker node update --label-add KEY=VALUE) or change the tags`);
    return this.change(ctx, appName, edit);
  }

  /**
   * Writes the edited config and a release for it in one transaction. An edit that changes nothing
   * makes no release and returns the current one.
   */
  private async change(ctx: RequestContext, appName: string, edit: ConfigEdit): Promise<Release> {
    const app: App = await this.access.requireApp(ctx, appName, "collaborator");
    return this.unitOfWork.run(ctx, async (tx) => {
      await this.releases.lockApp(tx, app);
      // A failed release is skipped: the change applies to what serves (its build and config).
      const latest = await this.releases.baseIn(tx, app);
      const current = latest.config;
      const result = edit(
        { values: current.values, limits: current.limits, healthchecks: current.healthchecks, tags: current.tags },
        ctx.actorName,
      );
      if (!result) return latest;
      const config = await tx.manager.save(
        tx.manager.create(Config, {
          appId: app.id,
          ownerId: ctx.user?.id ?? null,
          values: current.values,
          limits: current.limits,
          healthchecks: current.healthchecks,
          tags: current.tags,
          ...result.next,
        }),
      );
      const release = await this.releases.create(ctx, tx, app, { build: latest.build, config, summary: result.summary });
      void announce(tx, {
        type: AppEventType.CONFIG_CHANGED,
        app: app.name,
        actor: ctx.actorName,
        at: config.createdAt.toISOString(),
        version: release.version,
        summary: result.summary,
      });
      return release;
    });
  }
}
