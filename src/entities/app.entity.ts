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

  @Field(() => Boolean, { description: "The router answers every request with a 503 maintenance page; processes keep running." })
  @Column({ type: "boolean", default: false })
  maintenance: boolean;

  @Field(() => [String], { description: "Client addresses (CIDRs) the router lets through to the app; empty: every address." })
  @Column({ type: "jsonb", default: [] })
  allowList: string[];

  @Field(() => String, { nullable: true, description: "The username the router asks for (HTTP basic auth); null: none." })
  @Column({ type: "varchar", length: 64, nullable: true })
  basicAuthUsername: string | null;

  /** scrypt hash of the basic auth password (controller/services/password); never selected unless asked for. */
  @Column({ type: "varchar", length: 200, nullable: true, select: false })
  basicAuthHash: string | null;

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
