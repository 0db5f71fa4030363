import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { alreadyExists, invalidInput, notFound } from "../../../core/errors";
import { type Release, Volume } from "../../../entities";
import type { UnitOfWork } from "../unit-of-work";
import { validateMountPath, validateVolumeName } from "../validation/volume-rules";
import type { AccessService } from "./access.service";
import type { ReleaseService } from "./release.service";

export const MAX_VOLUMES_PER_APP = 10;

/** Where the runtime keeps volumes: null on one engine (always this host), a node's name under Swarm. */
export interface VolumePlacement {
  node(): Promise<string | null>;
}

/**
 * An app's persistent volumes (`deis volumes:add data /data`). A volume belongs to the app, not to a
 * release: every release (and every rollback) mounts the app's volumes as they are now. Adding or
 * removing one makes a new release with the same build and config, as a limit change does in Deis:
 * the processes must be recreated to mount or unmount it, and a release does that with zero
 * downtime, one deploy at a time, keeping the old release serving if the new one fails.
 */
export class VolumeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: AccessService,
    private readonly releases: ReleaseService,
    private readonly placement: VolumePlacement,
  ) {}

  async list(ctx: RequestContext, appName: string): Promise<Volume[]> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    return this.dataSource.getRepository(Volume).find({ where: { appId: app.id }, order: { name: "ASC" } });
  }

  /** Which node holds the app's volumes (Swarm), or null (one engine). */
  node(): Promise<string | null> {
    return this.placement.node();
  }

  async add(ctx: RequestContext, appName: string, rawName: string, rawPath: string): Promise<Release> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const name = validateVolumeName(rawName.trim());
    const path = validateMountPath(rawPath);
    return this.unitOfWork.run(ctx, async (tx) => {
      await this.releases.lockApp(tx, app);
      const existing = await tx.manager.find(Volume, { where: { appId: app.id } });
      if (existing.some((v) => v.name === name)) throw alreadyExists("name", `${appName} already has a volume named ${name}`);
      const clash = existing.find((v) => v.path === path || path.startsWith(`${v.path}/`) || v.path.startsWith(`${path}/`));
      if (clash) throw invalidInput("path", `must not be at, in or over another volume's path (${clash.name} is at ${clash.path})`);
      if (existing.length >= MAX_VOLUMES_PER_APP) throw invalidInput("name", `an app has at most ${MAX_VOLUMES_PER_APP} volumes`);
      await tx.manager.save(tx.manager.create(Volume, { appId: app.id, name, path }));
      const base = await this.releases.baseIn(tx, app);
      return this.releases.create(ctx, tx, app, { build: base.build, config: base.config, summary: `${ctx.actorName} added volume ${name} at ${path}` });
    });
  }

  /** Unmounts the volume (a new release); its data is deleted once no process uses it. */
  async remove(ctx: RequestContext, appName: string, rawName: string): Promise<Release> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const name = rawName.trim();
    return this.unitOfWork.run(ctx, async (tx) => {
      await this.releases.lockApp(tx, app);
      const result = await tx.manager.delete(Volume, { appId: app.id, name });
      if (!result.affected) throw notFound("volume", name);
      const base = await this.releases.baseIn(tx, app);
      return this.releases.create(ctx, tx, app, { build: base.build, config: base.config, summary: `${ctx.actorName} removed volume ${name}` });
    });
  }
}
