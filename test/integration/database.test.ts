import type { DataSource } from "typeorm";
import { User } from "../../src/entities";
import { MIGRATIONS } from "../../src/entities/migrations";
import { openDatabase } from "../../src/modules/database";
import { type TestDatabase, createTestDatabase } from "../harness/database";

async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}

describe("migrations on PostgreSQL", () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  test("bring an empty database to exactly what the entities describe", async () => {
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });

  test("running them again changes nothing", async () => {
    expect(await dataSource.runMigrations()).toEqual([]);
  });

  test("can be undone and redone", async () => {
    for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
    expect(await dataSource.query(`SELECT to_regclass('public.apps') AS apps`)).toEqual([{ apps: null }]);
    await dataSource.runMigrations();
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });
});

describe("migrations on embedded PGlite", () => {
  let dataSource: DataSource;
  beforeAll(async () => {
    dataSource = await openDatabase({});
  });
  afterAll(() => dataSource.destroy());

  test("the same migrations give the same schema", async () => {
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });

  test("a transaction holds PGlite's one session: another request's write is not swallowed by its rollback", async () => {
    const failing = dataSource.transaction(async (manager) => {
      await manager.insert(User, { username: "inside", passwordHash: "x" });
      await new Promise((resolve) => setTimeout(resolve, 100));
      throw new Error("roll back");
    });
    const outside = dataSource.getRepository(User).insert({ username: "outside", passwordHash: "x" });
    await expect(failing).rejects.toThrow("roll back");
    await outside;
    const names = (await dataSource.getRepository(User).find()).map((u) => u.username);
    expect(names).toEqual(["outside"]);
  });
});
