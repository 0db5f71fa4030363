import type { MigrationInterface, QueryRunner } from "typeorm";

/** What the router applies to an app before it: maintenance mode, an address allow-list, basic auth (hashed). */
export class RouterRules1764000000021 implements MigrationInterface {
  name = "RouterRules1764000000021";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "apps" ADD "maintenance" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "apps" ADD "allowList" jsonb NOT NULL DEFAULT '[]'`);
    await queryRunner.query(`ALTER TABLE "apps" ADD "basicAuthUsername" character varying(64)`);
    await queryRunner.query(`ALTER TABLE "apps" ADD "basicAuthHash" character varying(200)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ["basicAuthHash", "basicAuthUsername", "allowList", "maintenance"]) {
      await queryRunner.query(`ALTER TABLE "apps" DROP COLUMN "${column}"`);
    }
  }
}
