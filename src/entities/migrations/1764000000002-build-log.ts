import type { MigrationInterface, QueryRunner } from "typeorm";

/** Builds keep their output. */
export class BuildLog1764000000002 implements MigrationInterface {
  name = "BuildLog1764000000002";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "builds" ADD "log" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "builds" DROP COLUMN "log"`);
  }
}
