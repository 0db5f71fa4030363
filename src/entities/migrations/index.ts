import { Initial1764000000000 } from "./1764000000000-initial";
import { ReleaseStatus1764000000001 } from "./1764000000001-release-status";
import { BuildLog1764000000002 } from "./1764000000002-build-log";
import { LogDrains1764000000003 } from "./1764000000003-log-drains";
import { LogIngestToken1764000000010 } from "./1764000000010-log-ingest-token";
import { ReleasePhase1764000000013 } from "./1764000000013-release-phase";
import { AuditAndHooks1764000000020 } from "./1764000000020-audit-and-hooks";
import { RouterRules1764000000021 } from "./1764000000021-router-rules";
import { CronJobsAndVolumes1764000000131 } from "./1764000000131-cron-jobs-and-volumes";

/** Every migration, oldest first. Add new ones at the end; never edit one that has shipped. */
export const MIGRATIONS = [
  Initial1764000000000,
  ReleaseStatus1764000000001,
  BuildLog1764000000002,
  LogDrains1764000000003,
  LogIngestToken1764000000010,
  ReleasePhase1764000000013,
  AuditAndHooks1764000000020,
  RouterRules1764000000021,
  CronJobsAndVolumes1764000000131,
];
