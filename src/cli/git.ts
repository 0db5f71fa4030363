import { execFile } from "node:child_process";
import type { Io } from "./io";

interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs git in the CLI's working directory; never throws for a non-zero exit. */
function git(io: Io, args: string[]): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile("git", args, { cwd: io.cwd, env: { ...io.env }, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 127) : 0;
      resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

/** True inside a git work tree (false when git is missing or the folder is not a repository). */
export async function insideWorkTree(io: Io): Promise<boolean> {
  const result = await git(io, ["rev-parse", "--is-inside-work-tree"]);
  return result.code === 0 && result.stdout === "true";
}

/** The URL of a remote, or null when there is no such remote (or no repository). */
export async function remoteUrl(io: Io, remote: string): Promise<string | null> {
  const result = await git(io, ["remote", "get-url", remote]);
  return result.code === 0 && result.stdout ? result.stdout : null;
}

/** Adds the remote, or points it at `url` when it exists; returns the URL it had before. */
export async function setRemote(io: Io, remote: string, url: string): Promise<string | null> {
  const before = await remoteUrl(io, remote);
  const result = before === null ? await git(io, ["remote", "add", remote, url]) : await git(io, ["remote", "set-url", remote, url]);
  if (result.code !== 0) throw new Error(`git could not set the remote ${remote}: ${result.stderr}`);
  return before;
}

/** Every remote of the repository with its (fetch) URL; none outside a repository. */
export async function remotes(io: Io): Promise<{ name: string; url: string }[]> {
  const result = await git(io, ["remote"]);
  if (result.code !== 0 || !result.stdout) return [];
  const names = result.stdout.split("\n").map((n) => n.trim()).filter(Boolean);
  const urls = await Promise.all(names.map((name) => remoteUrl(io, name)));
  return names.flatMap((name, i) => (urls[i] ? [{ name, url: urls[i]! }] : []));
}

export async function removeRemote(io: Io, remote: string): Promise<void> {
  await git(io, ["remote", "remove", remote]);
}

/** The app a Deis git remote points at: ssh://git@host:port/<app>.git or git@host:<app>.git. */
export function appFromRemote(url: string): string | null {
  const match = /[/:]([a-z][a-z0-9-]*)\.git\/?$/.exec(url);
  return match ? match[1] : null;
}
