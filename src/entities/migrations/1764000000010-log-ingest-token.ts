import type { MigrationInterface, QueryRunner } from "typeorm";

/** Each app's syslog ingest token: a line lands in the app's log only with it. Existing apps get one too. */
export class LogIngestToken1764000000010 implements MigrationInterface {
  name = "LogIngestToken1764000000010";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "apps" ADD "logToken" character varying(64)`);
    // gen_random_uuid() draws from the server's strong random source: 2 x 122 random bits.
    await queryRunner.query(`UPDATE "apps" SET "logToken" = replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '')`);
    await queryRunner.query(`ALTER TABLE "apps" ALTER COLUMN "logToken" SET NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "apps" DROP COLUMN "logToken"`);
  }
}
