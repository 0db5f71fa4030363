import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { GitRepos } from "../../src/modules/builder/git-repos";
import { testEnv } from "../harness/env";
import { gitRepo } from "../harness/git";

/** The commit the bare repository's main points at, or null when it has none. */
function mainOf(repository: string): string | null {
  try {
    return execFileSync("git", ["--git-dir", repository, "rev-parse", "--verify", "--quiet", "refs/heads/main"], { encoding: "utf8" }).trim();
  } catch {
    return null;
  }
}

describe("the apps' git repositories (real git)", () => {
  const repos = new GitRepos(join(mkdtempSync(join(testEnv.root, "repos-")), "git"), "#!/bin/sh\nexit 0\n");

  test("an app's repository keeps its history across pushes, and is wiped for a new app of the same name", async () => {
    const path = await repos.ensure("shop", "app-id-1");
    const work = gitRepo({ "index.html": "<h1>shop</h1>\n" });
    execFileSync("git", ["push", "--quiet", path, "main"], { cwd: work });
    const pushed = mainOf(path);
    expect(pushed).toMatch(/^[0-9a-f]{40}$/);

    await repos.ensure("shop", "app-id-1");
    expect(mainOf(path)).toBe(pushed);

    // A destroyed app's repository left behind (its removal missed): the new app must not see its history.
    expect(await repos.ensure("shop", "app-id-2")).toBe(path);
    expect(mainOf(path)).toBeNull();
    expect(execFileSync("git", ["--git-dir", path, "config", "--get", "deis.app-id"], { encoding: "utf8" }).trim()).toBe("app-id-2");
  });
});
