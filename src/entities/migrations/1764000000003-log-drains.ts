import type { MigrationInterface, QueryRunner } from "typeorm";

/** Log drains: syslog endpoints that receive a copy of an app's lines. */
export class LogDrains1764000000003 implements MigrationInterface {
  name = "LogDrains1764000000003";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "log_drains" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "appId" uuid NOT NULL, "url" character varying(512) NOT NULL, "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_8566a9d7f8f2ca7ee7024aa4744" UNIQUE ("appId", "url"), CONSTRAINT "PK_log_drains" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "log_drains" ADD CONSTRAINT "FK_9db59930746c2d9de6f591aa652" FOREIGN KEY ("appId") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "log_drains"`);
  }
}
