import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

  /**
   * The app's repository, made on first push. It is marked with the app's id: a repository left
   * by a destroyed app of the same name is wiped, so nobody clones another app's history.
   */
  async ensure(app: string, appId: string): Promise<string> {
    const path = this.path(app);
    if (existsSync(join(path, "HEAD"))) {
      // Read as written by `git config deis.app-id` below: a file read, not a git process, per push.
      const config = existsSync(join(path, "config")) ? readFileSync(join(path, "config"), "utf8") : "";
      const owner = /^\s*app-id\s*=\s*(\S+)\s*$/m.exec(config)?.[1] ?? "";
      if (owner !== appId) rmSync(path, { recursive: true, force: true });
    }
    if (!existsSync(join(path, "HEAD"))) {
      await run("git", ["init", "--quiet", "--bare", "--initial-branch=main", path]);
      await run("git", ["--git-dir", path, "config", "deis.app-id", appId]);
    }
    const hook = join(path, "hooks", "pre-receive");
    writeFileSync(hook, this.hookScript);
    chmodSync(hook, 0o755);
    return path;
  }

  /** Deletes a destroyed app's repository. */
  remove(app: string): void {
    rmSync(this.path(app), { recursive: true, force: true });
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
    child.once("error", (error) => child.stdout.destroy(error));
    // Whoever reads the archive may stop early (a failed build): then git must not wait on a full pipe.
    child.stdout.once("close", () => child.kill());
    return child.stdout;
  }
}
