import { CliError } from "./errors";
import { appFromRemote, remoteUrl } from "./git";
import type { Io } from "./io";

export const GIT_REMOTE = "deis";

export const NO_APP_MESSAGE =
  "no app given: use -a <app>, or run in a directory whose git remote 'deis' points at it (deis git:remote -a <app>)";

/**
 * The app a command works on: -a/--app, else the one the git remote -r/--remote (default `deis`)
 * in the working directory points at.
 */
export async function resolveApp(io: Io, given: string | undefined, remote: string | undefined): Promise<string> {
  if (given) return given;
  const name = remote ?? GIT_REMOTE;
  const url = await remoteUrl(io, name);
  if (!url) {
    if (remote === undefined) throw new CliError(NO_APP_MESSAGE);
    throw new CliError(`there is no git remote '${name}' here`, `Use -a <app>, or add it with deis git:remote -a <app> --remote ${name}.`);
  }
  const app = appFromRemote(url);
  if (!app) throw new CliError(`the git remote '${name}' (${url}) does not name an app`, `Use -a <app>, or fix it with deis git:remote -a <app> --remote ${name}.`);
  return app;
}
