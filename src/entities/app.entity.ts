import { Field, ID, ObjectType } from "type-graphql";
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from "typeorm";
import { User } from "./user.entity";

/** Process type -> number of containers, e.g. { web: 2, worker: 1 }. */
export type ProcessStructure = Record<string, number>;

@ObjectType({ description: "An application: its releases, config, domains and processes." })
@Entity("apps")
export class App {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 63, unique: true })
  name: string;

  @ManyToOne(() => User, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "ownerId" })
  owner: User;

  @Index()
  @Column({ type: "uuid" })
  ownerId: string;

  @Column({ type: "jsonb", default: {} })
  structure: ProcessStructure;

  @Field(() => Date)
  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;

  @Field(() => Date)
  @UpdateDateColumn({ type: "timestamptz", precision: 3 })
  updatedAt: Date;
}
