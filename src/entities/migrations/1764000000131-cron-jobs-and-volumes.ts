import type { MigrationInterface, QueryRunner } from "typeorm";

/** Scheduled jobs and persistent volumes: both belong to an app and go with it. */
export class CronJobsAndVolumes1764000000131 implements MigrationInterface {
  name = "CronJobsAndVolumes1764000000131";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "cron_jobs" ("id" character varying(16) NOT NULL, "appId" uuid NOT NULL, "schedule" character varying(200) NOT NULL, "command" text NOT NULL, "lastRunAt" TIMESTAMP(3) WITH TIME ZONE, "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_cron_jobs" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_0da6f234f092fba549bea62911" ON "cron_jobs" ("appId")`);
    await queryRunner.query(
      `ALTER TABLE "cron_jobs" ADD CONSTRAINT "FK_0da6f234f092fba549bea629117" FOREIGN KEY ("appId") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE "volumes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "appId" uuid NOT NULL, "name" character varying(32) NOT NULL, "path" character varying(255) NOT NULL, "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_ad8119abdb94e3c8b4f5aa1375d" UNIQUE ("appId", "name"), CONSTRAINT "UQ_2ad8ee7bb749ff2241b8f994629" UNIQUE ("appId", "path"), CONSTRAINT "PK_volumes" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "volumes" ADD CONSTRAINT "FK_aca4f856eefad9e0f045d741afb" FOREIGN KEY ("appId") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "volumes"`);
    await queryRunner.query(`DROP TABLE "cron_jobs"`);
  }
}
