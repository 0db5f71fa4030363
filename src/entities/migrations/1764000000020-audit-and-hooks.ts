import type { MigrationInterface, QueryRunner } from "typeorm";

/** The audit trail (kept DEIS_AUDIT_RETENTION_DAYS), deploy hooks and their deliveries. */
export class AuditAndHooks1764000000020 implements MigrationInterface {
  name = "AuditAndHooks1764000000020";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "userId" uuid, "username" character varying(64), "operation" character varying(64) NOT NULL, "summary" character varying(1024) NOT NULL, "details" jsonb NOT NULL DEFAULT '{}', "app" character varying(63), "address" character varying(64), "outcome" character varying(32) NOT NULL, "requestId" character varying(64), CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_ac4ca4115c60d6a47a575d7db9" ON "audit_events" ("app", "at")`);
    await queryRunner.query(`CREATE INDEX "IDX_3648e11676f1929b9875ee272b" ON "audit_events" ("at")`);
    await queryRunner.query(
      `CREATE TABLE "hooks" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "appId" uuid NOT NULL, "url" character varying(2048) NOT NULL, "secret" character varying(128) NOT NULL, "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_719a5551691c2c6f41cfc782cf8" UNIQUE ("appId", "url"), CONSTRAINT "PK_6f3b230c5a618ac05cdbde2f8db" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`ALTER TABLE "hooks" ADD CONSTRAINT "FK_a7ef538edd7b75836d3a01756ae" FOREIGN KEY ("appId") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(
      `CREATE TABLE "hook_deliveries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "hookId" uuid NOT NULL, "event" character varying(32) NOT NULL, "version" integer NOT NULL, "body" text NOT NULL, "status" character varying(16) NOT NULL, "attempts" jsonb NOT NULL DEFAULT '[]', "nextAttemptAt" TIMESTAMP(3) WITH TIME ZONE, "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_2335da1e957355359e0f7b4df09" UNIQUE ("hookId", "event", "version"), CONSTRAINT "PK_8129d48a1e19cce3968c11ff174" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_857c5adb8800e05d47cef840a1" ON "hook_deliveries" ("status", "nextAttemptAt")`);
    await queryRunner.query(
      `ALTER TABLE "hook_deliveries" ADD CONSTRAINT "FK_98dc99f52ea9dffe9255f306c1a" FOREIGN KEY ("hookId") REFERENCES "hooks"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "hook_deliveries"`);
    await queryRunner.query(`DROP TABLE "hooks"`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
  }
}
