export { type DatabaseOptions, createDataSource, openDatabase } from "./data-source";
export { databaseOutage, isUniqueViolation } from "./errors";
export { type EmbeddedDatabaseChoice, type PlatformDatabase, openPlatformDatabase } from "./platform-database";
export { PostgresServerError, findPostgresBinaries, startPostgresServer } from "./postgres-server";
