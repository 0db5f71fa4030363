import type { Logger as TypeOrmLogger } from "typeorm";

/**
 * A TypeORM logger that counts every SQL statement the platform sends (TypeORM calls logQuery for
 * each one, transaction statements included) and keeps their text while recording is on.
 */
export class QueryCounter implements TypeOrmLogger {
  count = 0;
  private recorded: string[] | null = null;

  reset(): void {
    this.count = 0;
  }

  /** Starts keeping the text of each query (with its parameters) until `stopRecording`. */
  record(): void {
    this.recorded = [];
  }

  stopRecording(): string[] {
    const queries = this.recorded ?? [];
    this.recorded = null;
    return queries;
  }

  logQuery(query: string, parameters?: unknown[]): void {
    this.count++;
    this.recorded?.push(parameters && parameters.length > 0 ? `${query} -- params: ${JSON.stringify(parameters)}` : query);
  }

  logQueryError(error: string | Error, query: string): void {
    console.error(`SQL error: ${error instanceof Error ? error.message : error}\n  in: ${query}`);
  }

  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
