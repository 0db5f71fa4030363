import type { DataSource } from "typeorm";
import { ReleaseStatus } from "../../../entities";
import { type ExpectedApp, isRouted, structureFor } from "../../runtime";

interface Row {
  name: string;
  structure: Record<string, number>;
  version: number | null;
  procfile: Record<string, string> | null;
}

/**
 * What every app should run, in one query: the newest release that can run (a build, not failed) and
 * its process counts. A PENDING release is left out on purpose (version null would not do either): the
 * pass must converge that app to deploy it, so it is never "in shape".
 */
export async function loadExpectations(dataSource: DataSource): Promise<ExpectedApp[]> {
  const rows: Row[] = await dataSource.query(
    `SELECT a.name, a.structure, r.version, r.status, b.procfile
       FROM apps a
       LEFT JOIN LATERAL (
         SELECT version, status, "buildId" FROM releases
          WHERE "appId" = a.id AND "buildId" IS NOT NULL AND status IN ($1, $2)
          ORDER BY version DESC LIMIT 1
       ) r ON true
       LEFT JOIN builds b ON b.id = r."buildId"
      WHERE r.status IS NULL OR r.status <> $1`,
    [ReleaseStatus.PENDING, ReleaseStatus.SUCCEEDED],
  );
  return rows.map((row) => {
    if (row.version === null || !row.procfile) return { app: row.name, version: null, processes: [] };
    const procfile = row.procfile;
    const processes = Object.entries(structureFor(procfile, row.structure)).map(([type, count]) => ({ type, count, routed: isRouted(type, procfile) }));
    return { app: row.name, version: row.version, processes };
  });
}
