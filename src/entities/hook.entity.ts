import { Field, ID, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from "typeorm";
import { App } from "./app.entity";

/** A URL the platform POSTs to when one of the app's releases is deployed or fails, signed with the hook's secret. */
@ObjectType({ description: "A deploy hook: a URL called (POST, JSON, signed) when a release is deployed or fails." })
@Entity("hooks")
@Unique(["appId", "url"])
export class Hook {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @ManyToOne(() => App, { onDelete: "CASCADE" })
  @JoinColumn({ name: "appId" })
  app: App;

  @Column({ type: "uuid" })
  appId: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 2048 })
  url: string;

  /** The HMAC-SHA256 key; shown once when the hook is added, never again. */
  @Column({ type: "varchar", length: 128, select: false })
  secret: string;

  @Field(() => Date)
  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;
}
