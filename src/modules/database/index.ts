export { type DatabaseOptions, createDataSource, openDatabase } from "./data-source";
