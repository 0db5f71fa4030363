import { randomBytes } from "node:crypto";
import { DockerEngine } from "../../src/modules/docker";
import { testEnv } from "../harness/env";
import { type PlatformProcess, startPlatformProcess } from "../harness/platform-process";

/**
 * `npm start` with its stdout not a terminal (a pipe, a file, a log collector): JSON lines only, the
 * start-up banner among them as one line with its fields.
 */
describe("the start-up banner when stdout is not a terminal", () => {
  const id = randomBytes(4).toString("hex");
  let platform: PlatformProcess | null = null;

  afterAll(async () => {
    await platform?.stop();
    const engine = new DockerEngine();
    await engine.removeNetworks([`deis.platform=banner-${id}`]);
  });

  test("every line on stdout is a JSON log line, and one of them says where the platform answers", async () => {
    platform = await startPlatformProcess({
      LOG: "1",
      LOG_LEVEL: "info",
      DEIS_PLATFORM_ID: `banner-${id}`,
      DEIS_DATA_DIR: `${testEnv.root}/banner-${id}`,
      DEIS_ROUTER_PORT: "0",
      DEIS_ROUTER_HTTPS_PORT: "off",
      DEIS_BUILDER_PORT: "0",
      DEIS_SYSLOG_PORT: "off",
    });
    await platform.stop();
    const lines = platform.stdout().split("\n").filter((line) => line.length > 0);
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line on stdout: ${line}`);
      }
    });
    const banner = entries.filter((e) => e.msg === "Deis is up.");
    expect(banner).toEqual([
      expect.objectContaining({
        level: 30,
        api: platform.url,
        dashboard: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
        apps: expect.stringMatching(/^http:\/\/<app>\..+:\d+$/),
        gitPush: expect.stringMatching(/^ssh:\/\/git@.+:\d+\/<app>\.git$/),
        builderHostKey: expect.stringMatching(/^SHA256:/),
      }),
    ]);
    // The platform's own logging shares stdout, in the same form: start-up lines before the banner, the stop after.
    const at = entries.indexOf(banner[0]);
    expect(entries.slice(0, at).length).toBeGreaterThan(0);
    expect(entries.slice(at + 1)).toContainEqual(expect.objectContaining({ msg: "stopping", signal: "SIGTERM" }));
  });
});
