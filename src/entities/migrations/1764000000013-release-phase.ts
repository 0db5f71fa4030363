import type { MigrationInterface, QueryRunner } from "typeorm";

/** Releases say whether their deploy runs the build's release command (rollbacks do not). */
export class ReleasePhase1764000000013 implements MigrationInterface {
  name = "ReleasePhase1764000000013";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "releases" ADD "runsReleasePhase" boolean NOT NULL DEFAULT true`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "releases" DROP COLUMN "runsReleasePhase"`);
  }
}
