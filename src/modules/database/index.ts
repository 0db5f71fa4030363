export { type DatabaseOptions, createDataSource, openDatabase } from "./data-source";
export { databaseOutage, isUniqueViolation } from "./errors";
