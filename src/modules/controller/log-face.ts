import type { DataSource } from "typeorm";
import { App, LogDrain } from "../../entities";

/** All the log server asks of the controller (it never reads the database itself). */
export interface LogControl {
  /** The app's syslog ingest token; null when there is no such app. */
  ingestToken(app: string): Promise<string | null>;
  /** Every app there is, with its ingest token. */
  ingestTokens(): Promise<Map<string, string>>;
  /** The drains of one app, or of every app. */
  drainTargets(app?: string): Promise<{ app: string; url: string }[]>;
}

/** The controller's side of LogControl, also for a log server running as its own process. */
export function logFace(dataSource: DataSource): LogControl {
  const apps = dataSource.getRepository(App);
  return {
    async ingestToken(app) {
      const found = await apps.findOne({ where: { name: app }, select: { name: true, logToken: true } });
      return found?.logToken ?? null;
    },
    async ingestTokens() {
      const all = await apps.find({ select: { name: true, logToken: true } });
      return new Map(all.map((a) => [a.name, a.logToken]));
    },
    async drainTargets(app) {
      const rows = await dataSource.getRepository(LogDrain).find({ relations: { app: true }, where: app ? { app: { name: app } } : {} });
      return rows.map((row) => ({ app: row.app.name, url: row.url }));
    },
  };
}
