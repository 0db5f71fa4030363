import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import pino from "pino";
import * as tar from "tar-fs";
import { DockerEngine, STACK_IMAGE, ensureStackImage } from "../../src/modules/docker";

export const ECHO_IMAGE = "deis-test/echo:1";

/**
 * Checks the Docker engine answers, builds the platform's stack image (from this host, no registry)
 * and the tests' echo app on it, on the local engine or the one given (a test swarm's manager).
 * Fails with what to do when the engine is missing.
 */
export async function prepareDocker(engine = new DockerEngine()): Promise<void> {
  try {
    await engine.ping();
  } catch (error) {
    throw new Error(
      `The Docker engine does not answer (${(error as Error).message}). Install it with ` +
        "`apt-get install -y docker.io` and start `dockerd` (npm run test:all does both).",
    );
  }
  await ensureStackImage(engine, pino({ level: "silent" }));
  const fixture = join(__dirname, "..", "fixtures", "echo-app");
  const context = mkdtempSync(join(tmpdir(), "echo-app-"));
  try {
    writeFileSync(join(context, "server.js"), readFileSync(join(fixture, "server.js")));
    writeFileSync(
      join(context, "Dockerfile"),
      readFileSync(join(fixture, "Dockerfile.template"), "utf8").replace("{{STACK_IMAGE}}", STACK_IMAGE),
    );
    await engine.buildImage(tar.pack(context) as unknown as Readable, { tag: ECHO_IMAGE });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
