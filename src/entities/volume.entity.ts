import { Field, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from "typeorm";
import { App } from "./app.entity";

/**
 * A named persistent Docker volume mounted into every process and one-off of the app. It belongs to
 * the app, not to a release: it stays mounted across releases, restarts and rollbacks.
 */
@ObjectType({ description: "A persistent volume mounted into the app's processes and one-offs." })
@Entity("volumes")
@Unique(["appId", "name"])
@Unique(["appId", "path"])
export class Volume {
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @ManyToOne(() => App, { onDelete: "CASCADE" })
  @JoinColumn({ name: "appId" })
  app: App;

  @Column({ type: "uuid" })
  appId: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 32 })
  name: string;

  @Field(() => String, { description: "Where it is mounted in the app's containers." })
  @Column({ type: "varchar", length: 255 })
  path: string;

  @Field(() => Date)
  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;
}
