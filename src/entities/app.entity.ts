import { randomBytes } from "node:crypto";
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

  /**
   * The secret (newLogToken) a syslog sender gives for its lines to land in this app's log (`logIngest`); never
   * selected unless asked for, so it leaves only through LogService.
   */
  @Column({ type: "varchar", length: 64, select: false })
  logToken: string;

  @Field(() => Date)
  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;

  @Field(() => Date)
  @UpdateDateColumn({ type: "timestamptz", precision: 3 })
  updatedAt: Date;
}

/** A fresh syslog ingest token: 256 random bits as 64 hex digits. */
export function newLogToken(): string {
  return randomBytes(32).toString("hex");
}
