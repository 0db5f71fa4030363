import { Field, ID, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from "typeorm";
import { App } from "./app.entity";

/** Where an app's log lines are also sent: a syslog URL (syslog:// for UDP, syslog+tcp:// for TCP). */
@ObjectType({ description: "A syslog endpoint that receives a copy of the app's log lines." })
@Entity("log_drains")
@Unique(["appId", "url"])
export class LogDrain {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @ManyToOne(() => App, { onDelete: "CASCADE" })
  @JoinColumn({ name: "appId" })
  app: App;

  @Column({ type: "uuid" })
  appId: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 512 })
  url: string;

  @Field(() => Date)
  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;
}
