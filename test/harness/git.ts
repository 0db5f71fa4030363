import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { scaled } from "./time";

/** An SSH key made by the real ssh-keygen; `publicKey` is what `keys:add` takes. */
export function sshKeygen(comment = "pusher@test"): { privateKeyPath: string; publicKey: string } {
  const dir = mkdtempSync(join(tmpdir(), "ssh-"));
  const path = join(dir, "id_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
  return { privateKeyPath: path, publicKey: execFileSync("cat", [`${path}.pub`], { encoding: "utf8" }).trim() };
}

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: "Test Pusher",
  GIT_AUTHOR_EMAIL: "pusher@example.com",
  GIT_COMMITTER_NAME: "Test Pusher",
  GIT_COMMITTER_EMAIL: "pusher@example.com",
};

/** A work tree with the given files committed on main. */
export function gitRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "app-"));
  execFileSync("git", ["init", "--quiet", "--initial-branch=main", dir]);
  commit(dir, files, "first");
  return dir;
}

export function commit(dir: string, files: Record<string, string | null>, message: string): void {
  for (const [name, content] of Object.entries(files)) {
    if (content === null) {
      execFileSync("git", ["rm", "--quiet", name], { cwd: dir });
      continue;
    }
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
    execFileSync("git", ["add", name], { cwd: dir });
  }
  execFileSync("git", ["commit", "--quiet", "-m", message], { cwd: dir, env: { ...process.env, ...GIT_IDENTITY } });
}

export interface PushResult {
  readonly code: number;
  /** stdout and stderr together, as a person at the terminal sees them. */
  readonly output: string;
}

/** `git push <remote> main` over ssh -i with the given key, host keys not checked (a test builder); `onOutput` sees git's output as it comes. */
export function gitPush(dir: string, remote: string, privateKeyPath: string, ref = "main", onOutput?: (text: string) => void): Promise<PushResult> {
  const ssh = `ssh -i ${privateKeyPath} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
  return new Promise((resolve) => {
    const child = execFile(
      "git",
      ["push", remote, ref],
      { cwd: dir, env: { ...process.env, GIT_SSH_COMMAND: ssh }, timeout: scaled(300_000), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
    // git writes the remote's lines (`remote: ...`) to stderr as they come.
    if (onOutput) child.stderr!.on("data", (chunk: Buffer | string) => onOutput(chunk.toString()));
  });
}

/** Runs a command on the builder over ssh, as `ssh git@host <command>` would. */
export function sshCommand(port: number, privateKeyPath: string, command: string): Promise<PushResult> {
  return new Promise((resolve) => {
    execFile(
      "ssh",
      ["-i", privateKeyPath, "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-p", String(port), "git@127.0.0.1", command],
      { timeout: scaled(60_000) },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}
