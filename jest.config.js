/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // test/disruptive stops shared components (the Docker daemon): `npm run test:disruptive` runs it alone.
  testPathIgnorePatterns: process.env.DEIS_DISRUPTIVE === "1" ? [] : ["/test/disruptive/"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  setupFiles: ["reflect-metadata"],
  globalSetup: "<rootDir>/test/harness/global-setup.ts",
  globalTeardown: "<rootDir>/test/harness/global-teardown.ts",
  testTimeout: 60_000,
  maxWorkers: 2,
};
