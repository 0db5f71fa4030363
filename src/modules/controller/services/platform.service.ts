import type { RegistrationMode } from "../../../core/config";
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
  ) {}

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
