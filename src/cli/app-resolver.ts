import { CliError } from "./errors";
import { appFromRemote, remoteUrl } from "./git";
import type { Io } from "./io";

export const GIT_REMOTE = "deis";

export const NO_APP_MESSAGE =
  "no app given: use -a <app>, or run in a directory whose git remote 'deis' points at it (deis git:remote -a <app>)";

/** The app a command works on: -a/--app, else the one the git remote `deis` in the working directory points at. */
export async function resolveApp(io: Io, given: string | undefined): Promise<string> {
  if (given) return given;
  const url = await remoteUrl(io, GIT_REMOTE);
  if (!url) throw new CliError(NO_APP_MESSAGE);
  const app = appFromRemote(url);
  if (!app) throw new CliError(`the git remote '${GIT_REMOTE}' (${url}) does not name an app`, "Use -a <app>, or fix it with deis git:remote -a <app>.");
  return app;
}
