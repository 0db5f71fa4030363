import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";

/**
 * One recorded mutation (or sign-in): who, when, what, from where, with what outcome. Names, not
 * foreign keys: the record outlives the user and the app it speaks of. `details` holds only the
 * arguments the operation's audit description allows (config keys, never values; no secrets).
 */
@ObjectType("AuditEvent", { description: "One change made through the API: who, when, what, from where, and how it ended." })
@Entity("audit_events")
@Index(["app", "at"])
@Index(["at"])
export class AuditEvent {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Field(() => Date, { description: "When the operation ended." })
  @Column({ type: "timestamptz", precision: 3 })
  at: Date;

  @Field(() => ID, { nullable: true, description: "Who, by user id (null: nobody logged in)." })
  @Column({ type: "uuid", nullable: true })
  userId: string | null;

  @Field(() => String, { nullable: true, description: "Who (null: nobody logged in, e.g. a failed sign-in for an unknown name)." })
  @Column({ type: "varchar", length: 64, nullable: true })
  username: string | null;

  @Field(() => String, { description: "The GraphQL operation, e.g. setConfig." })
  @Column({ type: "varchar", length: 64 })
  operation: string;

  @Field(() => String, { description: "What was done, in words; never a secret value." })
  @Column({ type: "varchar", length: 1024 })
  summary: string;

  @Column({ type: "jsonb", default: {} })
  details: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: "The app it concerns, if any." })
  @Column({ type: "varchar", length: 63, nullable: true })
  app: string | null;

  @Field(() => String, { nullable: true, description: "The caller's network address." })
  @Column({ type: "varchar", length: 64, nullable: true })
  address: string | null;

  @Field(() => String, { description: "ok, or the error code the caller got (e.g. BAD_USER_INPUT)." })
  @Column({ type: "varchar", length: 32 })
  outcome: string;

  @Column({ type: "varchar", length: 64, nullable: true })
  requestId: string | null;
}
