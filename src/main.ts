#!/usr/bin/env node
import "reflect-metadata";
import { join, resolve } from "node:path";
import { ConfigError, loadConfig } from "./core/config";
import { createLogger } from "./core/logger";
import { openDatabase } from "./modules/database";
import { startPlatform } from "./platform";
import { buildApiSchema } from "./resolvers";

const USAGE = `usage: deis-platform <command>

commands:
  up        run the whole platform in this process (the default)
  migrate   bring the database schema up to date and exit
  schema    write schema/schema.graphql from the code and exit

Configuration comes from the environment; see README.md.`;

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? "up";
  if (command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return;
  }
  if (command === "schema") {
    const path = resolve(argv[1] ?? join(__dirname, "..", "schema", "schema.graphql"));
    await buildApiSchema(path);
    console.log(`wrote ${path}`);
    return;
  }
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  if (command === "migrate") {
    const dataSource = await openDatabase({ url: config.databaseUrl, pgliteDir: join(config.dataDir, "pglite") });
    await dataSource.destroy();
    log.info("database is up to date");
    return;
  }
  if (command !== "up") {
    console.error(`unknown command "${command}"\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const platform = await startPlatform(config, { log });
  console.log(`Deis is up.\n  API and explorer: ${platform.api.url}\n  Apps answer at:   http://<app>.${config.domain}`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    platform.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
