import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from "typeorm";
import { Hook } from "./hook.entity";

export enum HookDeliveryStatus {
  /** Not delivered yet; tried again at `nextAttemptAt`. */
  PENDING = "PENDING",
  DELIVERED = "DELIVERED",
  /** Every attempt failed; given up. */
  FAILED = "FAILED",
}

/** One try to deliver: when, the receiver's HTTP status (null: none), and what went wrong. */
export interface HookAttempt {
  readonly at: string;
  readonly statusCode: number | null;
  readonly error: string | null;
}

/** One event for one hook, kept with its attempts until it is delivered or given up. */
@Entity("hook_deliveries")
@Unique(["hookId", "event", "version"])
@Index(["status", "nextAttemptAt"])
export class HookDelivery {
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @ManyToOne(() => Hook, { onDelete: "CASCADE" })
  @JoinColumn({ name: "hookId" })
  hook: Hook;

  @Column({ type: "uuid" })
  hookId: string;

  /** release.deployed or release.failed. */
  @Column({ type: "varchar", length: 32 })
  event: string;

  @Column({ type: "int" })
  version: number;

  /** The JSON body exactly as it is signed and sent, on every attempt. */
  @Column({ type: "text" })
  body: string;

  @Column({ type: "varchar", length: 16 })
  status: HookDeliveryStatus;

  @Column({ type: "jsonb", default: [] })
  attempts: HookAttempt[];

  @Column({ type: "timestamptz", precision: 3, nullable: true })
  nextAttemptAt: Date | null;

  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;
}
