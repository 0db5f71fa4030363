import type { RegistrationMode } from "../../../core/config";

export interface PlatformInfo {
  readonly domain: string;
  readonly version: string;
  readonly registrationMode: RegistrationMode;
  /** Where `git push` goes: the builder's host and SSH port. */
  readonly gitHost: string;
  readonly builderPort: number;
}

/** Facts about this platform that clients need: its domain, version and how apps are reached. */
export class PlatformService {
  constructor(private readonly info: PlatformInfo) {}

  describe(): PlatformInfo {
    return this.info;
  }

  appUrl(app: string): string {
    return `http://${app}.${this.info.domain}`;
  }

  /** The app's git remote: `git remote add deis <this>` then `git push deis main`. */
  gitRemote(app: string): string {
    return `ssh://git@${this.info.gitHost}:${this.info.builderPort}/${app}.git`;
  }
}
