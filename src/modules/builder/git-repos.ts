import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Git's environment inside a pre-receive hook: where the pushed (quarantined) objects are. */
export type GitEnv = Readonly<Record<string, string>>;

/**
 * One bare repository per app under the data dir, driven with the real git. Each repository's
 * pre-receive hook hands the push to the builder, so a failed build refuses the push.
 */
export class GitRepos {
  constructor(
    private readonly root: string,
    private readonly hookScript: string,
  ) {
    mkdirSync(root, { recursive: true });
  }

  path(app: string): string {
    return join(this.root, `${app}.git`);
  }

  async ensure(app: string): Promise<string> {
    const path = this.path(app);
    if (!existsSync(join(path, "HEAD"))) {
      await run("git", ["init", "--quiet", "--bare", "--initial-branch=main", path]);
    }
    const hook = join(path, "hooks", "pre-receive");
    writeFileSync(hook, this.hookScript);
    chmodSync(hook, 0o755);
    return path;
  }

  /** The real `git receive-pack` / `git upload-pack` on the app's repository, with extra environment. */
  spawn(service: "git-receive-pack" | "git-upload-pack", app: string, env: Record<string, string>): ChildProcess {
    return spawn("git", [service.slice(4), this.path(app)], {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
  }

  /** Top-level file names of a commit (objects may still be in the push's quarantine: pass its env). */
  async files(app: string, sha: string, env: GitEnv): Promise<Set<string>> {
    const { stdout } = await run("git", ["--git-dir", this.path(app), "ls-tree", "--name-only", sha], { env: { ...process.env, ...env } });
    return new Set(stdout.split("\n").filter(Boolean));
  }

  async read(app: string, sha: string, file: string, env: GitEnv): Promise<string | null> {
    try {
      const { stdout } = await run("git", ["--git-dir", this.path(app), "show", `${sha}:${file}`], {
        env: { ...process.env, ...env },
        maxBuffer: 4 * 1024 * 1024,
      });
      return stdout;
    } catch {
      return null;
    }
  }

  /** The commit's tree as a tar stream (`git archive`), optionally with extra files added first. */
  archive(app: string, sha: string, env: GitEnv): Readable {
    const child = spawn("git", ["--git-dir", this.path(app), "archive", "--format=tar", sha], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "ignore"],
    });
    return child.stdout;
  }
}
