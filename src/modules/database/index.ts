export { type DatabaseOptions, createDataSource, openDatabase } from "./data-source";
export { isUniqueViolation } from "./errors";
