import { Field, ID, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { App } from "./app.entity";

@ObjectType({ description: "A custom domain routed to an app." })
@Entity("domains")
export class Domain {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @ManyToOne(() => App, { onDelete: "CASCADE" })
  @JoinColumn({ name: "appId" })
  app: App;

  @Index()
  @Column({ type: "uuid" })
  appId: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 253, unique: true })
  domain: string;

  @Field(() => Date)
  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;
}
