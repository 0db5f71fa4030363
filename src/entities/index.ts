import { App } from "./app.entity";
import { AuditEvent } from "./audit-event.entity";
import { Build } from "./build.entity";
import { Certificate } from "./certificate.entity";
import { Collaborator } from "./collaborator.entity";
import { Config } from "./config.entity";
import { CronJob } from "./cron-job.entity";
import { Domain } from "./domain.entity";
import { Hook } from "./hook.entity";
import { HookDelivery } from "./hook-delivery.entity";
import { LogDrain } from "./log-drain.entity";
import { Release } from "./release.entity";
import { SshKey } from "./ssh-key.entity";
import { Token } from "./token.entity";
import { User } from "./user.entity";
import { Volume } from "./volume.entity";

export { App, AuditEvent, Build, Certificate, Collaborator, Config, CronJob, Domain, Hook, HookDelivery, LogDrain, Release, SshKey, Token, User, Volume };
export { type HookAttempt, HookDeliveryStatus } from "./hook-delivery.entity";
export { type ProcessStructure, newLogToken } from "./app.entity";
export { BuildKind, type Procfile } from "./build.entity";
export { ReleaseStatus } from "./release.entity";
export type { ConfigValues, Healthcheck, HealthchecksByType, LimitsByType, ProcessLimit, Tags } from "./config.entity";

export const ENTITIES = [User, Token, SshKey, App, Collaborator, Build, Config, Release, Domain, Certificate, LogDrain, AuditEvent, Hook, HookDelivery, CronJob, Volume];
