import type { DataSource } from "typeorm";

/**
 * Bulk-inserts `apps` apps owned by `ownerId`, each with `releases` releases (v1..vN) and one
 * config per release, as the platform would have written them: v1 "created initial release" with
 * an empty config, then each vN adds one config key. A handful of statements, not one per row.
 */
export async function seedApps(
  dataSource: DataSource,
  owner: { id: string; username: string },
  apps: number,
  releases: number,
): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query(
      `INSERT INTO apps (name, "ownerId", structure, "logToken", "createdAt", "updatedAt")
       SELECT 'bench-' || lpad(i::text, 5, '0'), $1, '{"web": 1}'::jsonb,
              replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''), now(), now()
       FROM generate_series(1, $2::int) AS i`,
      [owner.id, apps],
    );
    // One row per (app, version); MATERIALIZED so each row keeps one generated config id.
    await manager.query(
      `WITH rows AS MATERIALIZED (
         SELECT a.id AS app_id, v, gen_random_uuid() AS config_id,
                now() - (($3::int - v) * interval '1 minute') AS at
         FROM apps a CROSS JOIN generate_series(1, $3::int) AS v
         WHERE a."ownerId" = $1
       ), configs_made AS (
         INSERT INTO configs (id, "appId", "ownerId", "values", limits, healthchecks, tags, "createdAt")
         SELECT config_id, app_id, $1,
                COALESCE((SELECT jsonb_object_agg('KEY_' || k, 'value-' || k) FROM generate_series(1, v - 1) AS k), '{}'::jsonb),
                '{}'::jsonb, '{}'::jsonb, '{}'::jsonb, at
         FROM rows
       )
       INSERT INTO releases ("appId", version, "buildId", "configId", "ownerId", summary, status, "createdAt")
       SELECT app_id, v, NULL, config_id, $1,
              CASE WHEN v = 1 THEN $2 || ' created initial release' ELSE $2 || ' added KEY_' || (v - 1) END,
              'succeeded', at
       FROM rows`,
      [owner.id, owner.username, releases],
    );
  });
  // What autovacuum does soon after such a load, done now so it does not run during the measurement
  // (it took one of the two cores for the first page's requests): the planner's statistics, and the
  // visibility map of the new rows.
  await dataSource.query(`VACUUM (ANALYZE) apps, configs, releases`);
  // And the load's pages written out now, not by the checkpointer while the first page is timed.
  await dataSource.query(`CHECKPOINT`);
  const [{ count }] = (await dataSource.query(
    `SELECT count(*)::int AS count FROM releases r JOIN apps a ON a.id = r."appId" WHERE a."ownerId" = $1`,
    [owner.id],
  )) as { count: number }[];
  if (count !== apps * releases) throw new Error(`seeding wrote ${count} releases, expected ${apps * releases}`);
}
