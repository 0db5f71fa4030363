import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from "typeorm";
import { App } from "./app.entity";
import { Build } from "./build.entity";
import { Config } from "./config.entity";
import { User } from "./user.entity";

export enum ReleaseStatus {
  /** Made; its processes are being started (or wait for the app's deploy lock). */
  PENDING = "pending",
  /** Served: its processes came up healthy (or it has no build, so nothing to run). */
  SUCCEEDED = "succeeded",
  /** Its processes never became healthy; it never served and cannot be rolled back to. */
  FAILED = "failed",
  /** A newer release was deployed before this one got its turn. */
  SUPERSEDED = "superseded",
}
registerEnumType(ReleaseStatus, { name: "ReleaseStatus", description: "Where a release is in its deploy." });

/** A numbered, immutable pairing of a build and a config: what runs. */
@ObjectType({ description: "A numbered pairing of a build and a config." })
@Entity("releases")
@Unique(["appId", "version"])
export class Release {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @ManyToOne(() => App, { onDelete: "CASCADE" })
  @JoinColumn({ name: "appId" })
  app: App;

  @Column({ type: "uuid" })
  appId: string;

  @Field(() => Int)
  @Column({ type: "int" })
  version: number;

  @ManyToOne(() => Build, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "buildId" })
  build: Build | null;

  @Column({ type: "uuid", nullable: true })
  buildId: string | null;

  @ManyToOne(() => Config, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "configId" })
  config: Config;

  @Column({ type: "uuid" })
  configId: string;

  @ManyToOne(() => User, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "ownerId" })
  owner: User | null;

  @Column({ type: "uuid", nullable: true })
  ownerId: string | null;

  @Field(() => String, { description: 'What changed, e.g. "alice added FOO, BAR".' })
  @Column({ type: "text" })
  summary: string;

  @Field(() => ReleaseStatus)
  @Column({ type: "varchar", length: 16, default: ReleaseStatus.SUCCEEDED })
  status: ReleaseStatus;

  @Field(() => String, { nullable: true, description: "Why the release failed to deploy." })
  @Column({ type: "text", nullable: true })
  failureReason: string | null;

  /**
   * Whether deploying it runs its build's release command first: builds and config changes do;
   * rollbacks do not (as on Heroku: the release phase ran when the target first served).
   */
  @Column({ type: "boolean", default: true })
  runsReleasePhase: boolean;

  @Field(() => Date)
  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;
}
