/** What an SSH client may ask the builder to run: git's two transport commands on one app's repo. */
export interface GitCommand {
  readonly service: "git-receive-pack" | "git-upload-pack";
  readonly app: string;
}

const COMMAND_RE = /^(git-receive-pack|git-upload-pack|git receive-pack|git upload-pack) '\/?([a-z]([a-z0-9-]{0,61}[a-z0-9])?)(\.git)?'$/;

/**
 * Parses `git-receive-pack '<app>.git'` (or upload-pack) exactly; anything else — another program,
 * a path, `..`, shell metacharacters, a second argument — is refused (null).
 */
export function parseGitCommand(command: string): GitCommand | null {
  const match = COMMAND_RE.exec(command.trim());
  if (!match) return null;
  const service = match[1].replace(" ", "-") as GitCommand["service"];
  return { service, app: match[2] };
}
