import type { MigrationInterface, QueryRunner } from "typeorm";

/** Releases get a deploy status (pending, succeeded, failed, superseded) in place of a failed flag. */
export class ReleaseStatus1764000000001 implements MigrationInterface {
  name = "ReleaseStatus1764000000001";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "releases" ADD "status" character varying(16) NOT NULL DEFAULT 'succeeded'`);
    await queryRunner.query(`UPDATE "releases" SET "status" = 'failed' WHERE "failed"`);
    await queryRunner.query(`ALTER TABLE "releases" DROP COLUMN "failed"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "releases" ADD "failed" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`UPDATE "releases" SET "failed" = true WHERE "status" = 'failed'`);
    await queryRunner.query(`ALTER TABLE "releases" DROP COLUMN "status"`);
  }
}
