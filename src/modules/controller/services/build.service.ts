import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { invalidInput } from "../../../core/errors";
import { App, Build, BuildKind, type Procfile, type Release } from "../../../entities";
import { type ImagePolicy, ImageRefused } from "../../docker";
import { loadById } from "../loaders";
import { type Page, type PageArgs, paginate } from "../pagination";
import type { UnitOfWork } from "../unit-of-work";
import { validateProcessType } from "../validation/names";
import type { AccessService } from "./access.service";
import type { ReleaseService } from "./release.service";

/** `[registry[:port]/]name[/name...]` with a tag or a digest; latest is never assumed. */
const IMAGE_RE = /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;
const MAX_PROCESS_TYPES = 20;

export interface PushedBuild {
  readonly kind: BuildKind.DOCKERFILE | BuildKind.BUILDPACK;
  readonly image: string;
  readonly sha: string;
  readonly procfile: Procfile;
  readonly digest: string | null;
  readonly log: string;
}

export interface ProcessTypeInput {
  readonly type: string;
  readonly command: string;
}

/** Checks a Procfile given through the API: known-good type names, one command each. */
export function validateProcfile(entries: readonly ProcessTypeInput[], field = "procfile"): Procfile {
  if (entries.length > MAX_PROCESS_TYPES) throw invalidInput(field, `at most ${MAX_PROCESS_TYPES} process types`);
  const procfile: Procfile = {};
  for (const [i, { type, command }] of entries.entries()) {
    validateProcessType(type, `${field}[${i}].type`);
    if (type in procfile) throw invalidInput(`${field}.${type}`, "a process type may appear only once");
    if (command.trim().length === 0 || command.length > 4096) {
      throw invalidInput(`${field}.${type}`, "a command is 1 to 4096 characters");
    }
    procfile[type] = command.trim();
  }
  return procfile;
}

/** Builds: listing them, and Deis's `builds:create`: a release from a prebuilt image. */
export class BuildService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: AccessService,
    private readonly releases: ReleaseService,
    private readonly images: ImagePolicy,
  ) {}

  async list(ctx: RequestContext, appName: string, page: PageArgs): Promise<Page<Build>> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const query = this.dataSource
      .getRepository(Build)
      .createQueryBuilder("build")
      .where(`build."appId" = :appId`, { appId: app.id });
    return paginate(
      query,
      [
        { column: `build."createdAt"`, type: "timestamp", value: (b) => b.createdAt },
        { column: "build.id", type: "uuid", value: (b) => b.id },
      ],
      "DESC",
      page,
    );
  }

  byId(ctx: RequestContext, id: string): Promise<Build | null> {
    return loadById(ctx, this.dataSource.getRepository(Build), id);
  }

  /**
   * Deploys a prebuilt image (on the engine or in the platform registry): a build, a release and a
   * deploy. Without a Procfile the image's own command runs as the routed `cmd` type.
   */
  async deployImage(ctx: RequestContext, appName: string, image: string, procfileInput: readonly ProcessTypeInput[] | null): Promise<Release> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    const ref = image.trim();
    if (!IMAGE_RE.test(ref)) {
      throw invalidInput("image", "an image is name:tag or name@sha256:digest, lowercase (a tag is required; latest is not assumed)");
    }
    const procfile = validateProcfile(procfileInput ?? []);
    // Decided on the image the engine resolves the name to (its labels, names and ID), not on the spelling.
    try {
      await this.images.resolve(app, ref, false);
    } catch (error) {
      if (!(error instanceof ImageRefused)) throw error;
      throw invalidInput("image", `${error.message}: deploy your app's own images, or outside images built on the Docker engine or pushed to the platform registry`);
    }
    return this.record(ctx, app, { kind: BuildKind.IMAGE, image: ref, procfile }, `${ctx.actorName} deployed ${ref}`);
  }

  /** Keeps a push's whole build log with its build (the builder's last word on it). */
  async saveLog(buildId: string, log: string): Promise<void> {
    await this.dataSource.getRepository(Build).update({ id: buildId }, { log });
  }

  /** A build the builder made from a `git push`: recorded with a release that deploys in the background. */
  async recordPush(ctx: RequestContext, appName: string, build: PushedBuild): Promise<Release> {
    const app = await this.access.requireApp(ctx, appName, "collaborator");
    return this.record(ctx, app, build, `${ctx.actorName} deployed ${build.sha.slice(0, 7)}`);
  }

  /**
   * The build and a release with the serving config, in one transaction. The app's scale follows
   * the build's process types only once its release serves (the deployer), so a failed build
   * changes nothing that runs.
   */
  private record(ctx: RequestContext, app: App, fields: Partial<Build> & Pick<Build, "kind" | "image" | "procfile">, summary: string): Promise<Release> {
    return this.unitOfWork.run(ctx, async (tx) => {
      await this.releases.lockApp(tx, app);
      const base = await this.releases.baseIn(tx, app);
      const build = await tx.manager.save(tx.manager.create(Build, { ...fields, appId: app.id, ownerId: ctx.user?.id ?? null }));
      return this.releases.create(ctx, tx, app, { build, config: base.config, summary });
    });
  }
}

