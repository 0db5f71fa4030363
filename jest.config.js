/**
 * Two tiers (DESIGN.md "Rules of the house", STYLE.md habit 10):
 * - unit: test/unit, pure code, no global setup: no PostgreSQL, Redis, etcd, registry or Docker;
 *   `npm run test:unit` runs it alone in seconds.
 * - components: everything else (integration, e2e, security, cli, ...), against the real components
 *   that test/harness/global-setup.ts starts on free loopback ports.
 * `npm test` runs both. Timeouts scale with DEIS_TEST_TIME_FACTOR (default 1) for busy machines.
 */
const factor = Number(process.env.DEIS_TEST_TIME_FACTOR ?? "1") || 1;

const common = {
  rootDir: __dirname,
  testEnvironment: "node",
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  setupFiles: ["reflect-metadata"],
};

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: 2,
  // A guard against a hang (jest reads it here, not per project), above the longest wait a test makes
  // on its own (settledRelease: 90 s): a build and deploy on a busy machine may take minutes, and no
  // test asserts how long anything takes.
  testTimeout: 180_000 * factor,
  projects: [
    {
      ...common,
      displayName: "unit",
      roots: ["<rootDir>/test/unit"],
    },
    {
      ...common,
      displayName: "components",
      roots: ["<rootDir>/test"],
      // test/disruptive stops shared components (the Docker daemon): `npm run test:disruptive` runs it alone.
      // test/multihost starts a Swarm of three engines (root, network namespaces): `npm run test:multihost`.
      testPathIgnorePatterns: [
        "/test/unit/",
        ...(process.env.DEIS_DISRUPTIVE === "1" ? [] : ["/test/disruptive/"]),
        ...(process.env.DEIS_MULTIHOST === "1" ? [] : ["/test/multihost/"]),
      ],
      globalSetup: "<rootDir>/test/harness/global-setup.ts",
      globalTeardown: "<rootDir>/test/harness/global-teardown.ts",
    },
  ],
};
