import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as tar from "tar-fs";
import type { GitEnv } from "./git-repos";

/**
 * Git gives a pre-receive hook relative paths to the pushed objects (they sit in a quarantine until
 * the hook accepts them); make them absolute for git commands the builder runs elsewhere.
 */
export function hookGitEnv(env: GitEnv, repository: string): GitEnv {
  const keep = ["GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH"];
  const result: Record<string, string> = {};
  for (const key of keep) {
    const value = env[key];
    if (value) result[key] = value.split(":").map((part) => resolve(repository, part)).join(":");
  }
  return result;
}

/** Unpacks a commit's tar into a temporary folder, adds files (a generated Dockerfile), and packs it as a build context. */
export async function buildContext(archive: Readable, extra: Record<string, string>): Promise<{ context: Readable; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "deis-build-"));
  try {
    await pipeline(archive, tar.extract(dir));
    for (const [name, content] of Object.entries(extra)) writeFileSync(join(dir, name), content);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { context: tar.pack(dir) as unknown as Readable, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
