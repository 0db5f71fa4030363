import type { DataSource } from "typeorm";
import type { RequestContext } from "../../../core/context";
import { loadById } from "../loaders";
import { Build } from "../../../entities";
import { type Page, type PageArgs, paginate } from "../pagination";
import type { AccessService } from "./access.service";

/** The builds of an app, newest first. */
export class BuildService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
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
}
