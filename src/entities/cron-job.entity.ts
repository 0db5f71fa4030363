import { Field, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { App } from "./app.entity";

/** A command the platform runs on a schedule as a one-off of the app's current release (`deis cron:add`). */
@ObjectType({ description: "A scheduled job: a one-off of the app's current release, run on a five-field cron schedule (UTC)." })
@Entity("cron_jobs")
@Index(["appId"])
export class CronJob {
  /** Short (8 hex digits) so it reads well in `deis cron:remove ID` and in its log source `cron.<id>`. */
  @Field(() => String)
  @PrimaryColumn({ type: "varchar", length: 16 })
  id: string;

  @ManyToOne(() => App, { onDelete: "CASCADE" })
  @JoinColumn({ name: "appId" })
  app: App;

  @Column({ type: "uuid" })
  appId: string;

  @Field(() => String, { description: "minute hour day-of-month month day-of-week, in UTC." })
  @Column({ type: "varchar", length: 200 })
  schedule: string;

  @Field(() => String)
  @Column({ type: "text" })
  command: string;

  /** The last tick this job was claimed for: the elected scheduler claims each tick once, so a job runs once per tick across controllers. */
  @Field(() => Date, { nullable: true, description: "When the job last started (or was skipped because its previous run was still running)." })
  @Column({ type: "timestamptz", precision: 3, nullable: true })
  lastRunAt: Date | null;

  @Field(() => Date)
  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;
}
