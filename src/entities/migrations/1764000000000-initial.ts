import type { MigrationInterface, QueryRunner } from "typeorm";

/** The platform's first schema: users, tokens, keys, apps, collaborators, builds, configs, releases, domains, certificates. */
export class Initial1764000000000 implements MigrationInterface {
  name = "Initial1764000000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "username" character varying(64) NOT NULL, "email" character varying(254), "passwordHash" character varying(255) NOT NULL, "isAdmin" boolean NOT NULL DEFAULT false, "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updatedAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_fe0bb3f6520ee0469504521e710" UNIQUE ("username"), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "apps" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(63) NOT NULL, "ownerId" uuid NOT NULL, "structure" jsonb NOT NULL DEFAULT '{}', "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updatedAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_c1a24df1d51c2748d97561b77da" UNIQUE ("name"), CONSTRAINT "PK_c5121fda0f8268f1f7f84134e19" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_fab1152a80b90058626ba4b591" ON "apps" ("ownerId")`);
    await queryRunner.query(`CREATE TABLE "builds" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "appId" uuid NOT NULL, "ownerId" uuid, "kind" character varying(16) NOT NULL, "image" character varying(512) NOT NULL, "sha" character varying(64), "procfile" jsonb NOT NULL DEFAULT '{}', "digest" character varying(128), "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c181c897db1d7b044faace6e86c" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_8a5d6636fe2ec636a418048bd8" ON "builds" ("appId")`);
    await queryRunner.query(`CREATE TABLE "certificates" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "appId" uuid NOT NULL, "name" character varying(63) NOT NULL, "commonName" character varying(253) NOT NULL, "sans" jsonb NOT NULL DEFAULT '[]', "fingerprint" character varying(128) NOT NULL, "startsAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "expiresAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "certificate" text NOT NULL, "key" text NOT NULL, "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_5d0df6e661a77a714514970819f" UNIQUE ("appId", "name"), CONSTRAINT "PK_e4c7e31e2144300bea7d89eb165" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "collaborators" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "appId" uuid NOT NULL, "userId" uuid NOT NULL, "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_cb66fde09f794af5ef3b153e3e5" UNIQUE ("appId", "userId"), CONSTRAINT "PK_f579a5df9d66287f400806ad875" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_e5b82c5ada6a6557ec22f219b3" ON "collaborators" ("userId")`);
    await queryRunner.query(`CREATE TABLE "configs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "appId" uuid NOT NULL, "ownerId" uuid, "values" jsonb NOT NULL DEFAULT '{}', "limits" jsonb NOT NULL DEFAULT '{}', "healthchecks" jsonb NOT NULL DEFAULT '{}', "tags" jsonb NOT NULL DEFAULT '{}', "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_002b633ec0d45f5c6f928fea292" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_820201aaa74a238d5f224f7f38" ON "configs" ("appId")`);
    await queryRunner.query(`CREATE TABLE "domains" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "appId" uuid NOT NULL, "domain" character varying(253) NOT NULL, "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_5346af016e911f3008ce7aa9a22" UNIQUE ("domain"), CONSTRAINT "PK_05a6b087662191c2ea7f7ddfc4d" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_e0d742fc560c6e95f154ac971b" ON "domains" ("appId")`);
    await queryRunner.query(`CREATE TABLE "releases" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "appId" uuid NOT NULL, "version" integer NOT NULL, "buildId" uuid, "configId" uuid NOT NULL, "ownerId" uuid, "summary" text NOT NULL, "failed" boolean NOT NULL DEFAULT false, "failureReason" text, "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_6e77b59ec9b686fe3c495fd0a09" UNIQUE ("appId", "version"), CONSTRAINT "PK_6b6fc2599a5a281dd44a7d64016" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "ssh_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "userId" uuid NOT NULL, "name" character varying(128) NOT NULL, "type" character varying(64) NOT NULL, "publicKey" text NOT NULL, "fingerprint" character varying(64) NOT NULL, "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_30015cc54f4480c3cfbf8ce0e77" UNIQUE ("fingerprint"), CONSTRAINT "UQ_2a1b4c68c376df34237a773b27e" UNIQUE ("userId", "name"), CONSTRAINT "PK_8d68194272e979ab2d77700b1a4" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_fae80a5537b86c178814adcb9f" ON "ssh_keys" ("userId")`);
    await queryRunner.query(`CREATE TABLE "tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "userId" uuid NOT NULL, "hash" character(64) NOT NULL, "createdAt" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_4b52f52d067ed65de68ca7eff31" UNIQUE ("hash"), CONSTRAINT "PK_3001e89ada36263dabf1fb6210a" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_d417e5d35f2434afc4bd48cb4d" ON "tokens" ("userId")`);
    await queryRunner.query(`ALTER TABLE "apps" ADD CONSTRAINT "FK_fab1152a80b90058626ba4b5911" FOREIGN KEY ("ownerId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "builds" ADD CONSTRAINT "FK_8a5d6636fe2ec636a418048bd80" FOREIGN KEY ("appId") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "builds" ADD CONSTRAINT "FK_099e99f2655f27b9e1bdf26a37b" FOREIGN KEY ("ownerId") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "certificates" ADD CONSTRAINT "FK_239d6aac822137eafa2f99b0c6f" FOREIGN KEY ("appId") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "collaborators" ADD CONSTRAINT "FK_b526abc160eb156438a59824dd1" FOREIGN KEY ("appId") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "collaborators" ADD CONSTRAINT "FK_e5b82c5ada6a6557ec22f219b30" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "configs" ADD CONSTRAINT "FK_820201aaa74a238d5f224f7f389" FOREIGN KEY ("appId") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "configs" ADD CONSTRAINT "FK_d5266157103a7599e847448798c" FOREIGN KEY ("ownerId") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "domains" ADD CONSTRAINT "FK_e0d742fc560c6e95f154ac971b5" FOREIGN KEY ("appId") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "releases" ADD CONSTRAINT "FK_80c70ee7081ec12a1f40abdfc25" FOREIGN KEY ("appId") REFERENCES "apps"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "releases" ADD CONSTRAINT "FK_6c496f6bdd205708293563fca5b" FOREIGN KEY ("buildId") REFERENCES "builds"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "releases" ADD CONSTRAINT "FK_70607e889957293e3fbb7160558" FOREIGN KEY ("configId") REFERENCES "configs"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "releases" ADD CONSTRAINT "FK_c3713bcf078de56cbe977647352" FOREIGN KEY ("ownerId") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "ssh_keys" ADD CONSTRAINT "FK_fae80a5537b86c178814adcb9f3" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "tokens" ADD CONSTRAINT "FK_d417e5d35f2434afc4bd48cb4d2" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tokens" DROP CONSTRAINT "FK_d417e5d35f2434afc4bd48cb4d2"`);
    await queryRunner.query(`ALTER TABLE "ssh_keys" DROP CONSTRAINT "FK_fae80a5537b86c178814adcb9f3"`);
    await queryRunner.query(`ALTER TABLE "releases" DROP CONSTRAINT "FK_c3713bcf078de56cbe977647352"`);
    await queryRunner.query(`ALTER TABLE "releases" DROP CONSTRAINT "FK_70607e889957293e3fbb7160558"`);
    await queryRunner.query(`ALTER TABLE "releases" DROP CONSTRAINT "FK_6c496f6bdd205708293563fca5b"`);
    await queryRunner.query(`ALTER TABLE "releases" DROP CONSTRAINT "FK_80c70ee7081ec12a1f40abdfc25"`);
    await queryRunner.query(`ALTER TABLE "domains" DROP CONSTRAINT "FK_e0d742fc560c6e95f154ac971b5"`);
    await queryRunner.query(`ALTER TABLE "configs" DROP CONSTRAINT "FK_d5266157103a7599e847448798c"`);
    await queryRunner.query(`ALTER TABLE "configs" DROP CONSTRAINT "FK_820201aaa74a238d5f224f7f389"`);
    await queryRunner.query(`ALTER TABLE "collaborators" DROP CONSTRAINT "FK_e5b82c5ada6a6557ec22f219b30"`);
    await queryRunner.query(`ALTER TABLE "collaborators" DROP CONSTRAINT "FK_b526abc160eb156438a59824dd1"`);
    await queryRunner.query(`ALTER TABLE "certificates" DROP CONSTRAINT "FK_239d6aac822137eafa2f99b0c6f"`);
    await queryRunner.query(`ALTER TABLE "builds" DROP CONSTRAINT "FK_099e99f2655f27b9e1bdf26a37b"`);
    await queryRunner.query(`ALTER TABLE "builds" DROP CONSTRAINT "FK_8a5d6636fe2ec636a418048bd80"`);
    await queryRunner.query(`ALTER TABLE "apps" DROP CONSTRAINT "FK_fab1152a80b90058626ba4b5911"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_d417e5d35f2434afc4bd48cb4d"`);
    await queryRunner.query(`DROP TABLE "tokens"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_fae80a5537b86c178814adcb9f"`);
    await queryRunner.query(`DROP TABLE "ssh_keys"`);
    await queryRunner.query(`DROP TABLE "releases"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_e0d742fc560c6e95f154ac971b"`);
    await queryRunner.query(`DROP TABLE "domains"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_820201aaa74a238d5f224f7f38"`);
    await queryRunner.query(`DROP TABLE "configs"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_e5b82c5ada6a6557ec22f219b3"`);
    await queryRunner.query(`DROP TABLE "collaborators"`);
    await queryRunner.query(`DROP TABLE "certificates"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_8a5d6636fe2ec636a418048bd8"`);
    await queryRunner.query(`DROP TABLE "builds"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_fab1152a80b90058626ba4b591"`);
    await queryRunner.query(`DROP TABLE "apps"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
