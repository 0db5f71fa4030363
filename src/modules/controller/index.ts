import type { DataSource } from "typeorm";
import type { PlatformConfig } from "../../core/config";
import type { Cache } from "../cache";
import { AccessService } from "./services/access.service";
import { AppService } from "./services/app.service";
import { AuthService } from "./services/auth.service";
import { BuildService } from "./services/build.service";
import { CollaboratorService } from "./services/collaborator.service";
import { ConfigService } from "./services/config.service";
import { DomainService } from "./services/domain.service";
import { KeyService } from "./services/key.service";
import { PlatformService } from "./services/platform.service";
import { ReleaseService } from "./services/release.service";
import { UserService } from "./services/user.service";
import { UnitOfWork } from "./unit-of-work";

export { AppEventType, type AppEventPayload, appEventsTopic, releasesTopic } from "./events";
export type { Page, PageArgs } from "./pagination";
export type { ConfigChange } from "./validation/config-rules";
export { fingerprintOf, parsePublicKey } from "./validation/ssh-public-key";

export interface ControllerDeps {
  readonly dataSource: DataSource;
  readonly cache: Cache;
  readonly config: PlatformConfig;
  readonly version: string;
}

/** The controller's services, wired once by the composition root. */
export function createServices({ dataSource, cache, config, version }: ControllerDeps) {
  const unitOfWork = new UnitOfWork(dataSource, cache.events);
  const access = new AccessService(dataSource);
  const releases = new ReleaseService(dataSource, unitOfWork, access);
  return {
    access,
    auth: new AuthService(dataSource, access, cache.counters, config),
    users: new UserService(dataSource, access),
    keys: new KeyService(dataSource, access),
    apps: new AppService(dataSource, unitOfWork, access, releases, cache.events),
    collaborators: new CollaboratorService(dataSource, unitOfWork, access),
    configs: new ConfigService(dataSource, unitOfWork, access, releases),
    releases,
    builds: new BuildService(dataSource, access),
    domains: new DomainService(dataSource, unitOfWork, access, config.domain),
    platform: new PlatformService({ domain: config.domain, version, registrationMode: config.registrationMode }),
  };
}

export type Services = ReturnType<typeof createServices>;
