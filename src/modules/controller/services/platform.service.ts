import type { RegistrationMode } from "../../../core/config";
import type { App } from "../../../entities";

export interface PlatformInfo {
  readonly domain: string;
  readonly version: string;
  readonly registrationMode: RegistrationMode;
}

/** Facts about this platform that clients need: its domain, version and how apps are reached. */
export class PlatformService {
  constructor(private readonly info: PlatformInfo) {}

  describe(): PlatformInfo {
    return this.info;
  }

  appUrl(app: App): string {
    return `http://${app.name}.${this.info.domain}`;
  }
}
