import type { RegistrationMode } from "../../../core/config";
import type { RequestContext } from "../../../core/context";
import type { RuntimeNode } from "../../runtime";
import type { AccessService } from "./access.service";
import type { PlatformSettingsService } from "./platform-settings.service";

export interface PlatformInfo {
  readonly domain: string;
  readonly version: string;
  /** Where `git push` goes: the builder's host and SSH port. */
  readonly gitHost: string;
  readonly builderPort: number;
  /** The router's HTTP port: part of app URLs unless it is 80. */
  readonly routerPort: number;
}

/** Facts about this platform that clients need: its domain, version and how apps are reached. */
export class PlatformService {
  constructor(
    private readonly info: PlatformInfo,
    private readonly settings: PlatformSettingsService,
    private readonly access: AccessService,
    private readonly runtimeNodes: () => Promise<RuntimeNode[]>,
  ) {}

  /** The engines app processes run on, labels sorted by key; admins only (addresses are the operator's business). */
  async nodes(ctx: RequestContext): Promise<(Omit<RuntimeNode, "labels"> & { labels: { key: string; value: string }[] })[]> {
    this.access.requireAdmin(ctx);
    return (await this.runtimeNodes()).map((node) => ({
      ...node,
      labels: Object.entries(node.labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => ({ key, value })),
    }));
  }

  async describe(): Promise<PlatformInfo & { registrationMode: RegistrationMode }> {
    return { ...this.info, registrationMode: await this.settings.registrationMode() };
  }

  appUrl(app: string): string {
    const port = this.info.routerPort === 80 ? "" : `:${this.info.routerPort}`;
    return `http://${app}.${this.info.domain}${port}`;
  }

  /** The app's git remote: `git remote add deis <this>` then `git push deis main`. */
  gitRemote(app: string): string {
    return `ssh://git@${this.info.gitHost}:${this.info.builderPort}/${app}.git`;
  }
}
