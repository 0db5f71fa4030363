import { Field, ID, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { App } from "./app.entity";
import { User } from "./user.entity";

export type ConfigValues = Record<string, string>;

/** Per process type; memory like "512M", cpu in millicores like "500m" or cores like "1.5". */
export interface ProcessLimit {
  memory?: string;
  cpu?: string;
}
export type LimitsByType = Record<string, ProcessLimit>;

/** Per process type. A null path means a TCP connect to PORT. */
export interface Healthcheck {
  path: string | null;
  initialDelaySeconds: number;
  timeoutSeconds: number;
  periodSeconds: number;
  failureThreshold: number;
}
export type HealthchecksByType = Record<string, Healthcheck>;

export type Tags = Record<string, string>;

/** An app's configuration at one point in time. Immutable: every change writes a new row. */
@ObjectType({ description: "An app's configuration as of one release." })
@Entity("configs")
export class Config {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @ManyToOne(() => App, { onDelete: "CASCADE" })
  @JoinColumn({ name: "appId" })
  app: App;

  @Index()
  @Column({ type: "uuid" })
  appId: string;

  @ManyToOne(() => User, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "ownerId" })
  owner: User | null;

  @Column({ type: "uuid", nullable: true })
  ownerId: string | null;

  @Column({ type: "jsonb", default: {} })
  values: ConfigValues;

  @Column({ type: "jsonb", default: {} })
  limits: LimitsByType;

  @Column({ type: "jsonb", default: {} })
  healthchecks: HealthchecksByType;

  @Column({ type: "jsonb", default: {} })
  tags: Tags;

  @Field(() => Date)
  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;
}
