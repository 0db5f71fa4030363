import type { Command } from "../context";
import { accessCommands } from "./access";
import { appsCommands } from "./apps";
import { auditHooksCommands } from "./audit-hooks";
import { authCommands } from "./auth";
import { buildsReleasesCommands } from "./builds-releases";
import { configCommands } from "./config";
import { cronVolumesCommands } from "./cron-volumes";
import { domainsCertsCommands } from "./domains-certs";
import { keysCommands } from "./keys";
import { limitsHealthchecksCommands } from "./limits-healthchecks";
import { logsCommand, logsTokenCommand } from "./logs";
import { permsCommands } from "./perms";
import { platformCommands } from "./platform";
import { psCommands } from "./ps";
import { tagsDrainsCommands } from "./tags-drains";
import { usersCommands } from "./users";

/** Every `deis` command, in help order. */
export const COMMANDS: readonly Command[] = [
  ...authCommands,
  ...keysCommands,
  ...appsCommands,
  ...configCommands,
  ...buildsReleasesCommands,
  ...psCommands,
  logsCommand,
  logsTokenCommand,
  ...domainsCertsCommands,
  ...accessCommands,
  ...permsCommands,
  ...limitsHealthchecksCommands,
  ...tagsDrainsCommands,
  ...cronVolumesCommands,
  ...usersCommands,
  ...platformCommands,
  ...auditHooksCommands,
];
