import { Field, ID, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from "typeorm";
import { App } from "./app.entity";

/** A TLS certificate and key for some of an app's domains, served by the router with SNI. */
@ObjectType({ description: "A TLS certificate for some of an app's domains." })
@Entity("certificates")
@Unique(["appId", "name"])
export class Certificate {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @ManyToOne(() => App, { onDelete: "CASCADE" })
  @JoinColumn({ name: "appId" })
  app: App;

  @Column({ type: "uuid" })
  appId: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 63 })
  name: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 253 })
  commonName: string;

  @Field(() => [String], { description: "Subject alternative names (DNS)." })
  @Column({ type: "jsonb", default: [] })
  sans: string[];

  @Field(() => String, { description: "SHA-256 fingerprint of the certificate." })
  @Column({ type: "varchar", length: 128 })
  fingerprint: string;

  @Field(() => Date)
  @Column({ type: "timestamptz", precision: 3 })
  startsAt: Date;

  @Field(() => Date)
  @Column({ type: "timestamptz", precision: 3 })
  expiresAt: Date;

  /** PEM chain. */
  @Column({ type: "text" })
  certificate: string;

  /** PEM private key; never leaves the server except to the router's discovery key. */
  @Column({ type: "text" })
  key: string;

  @Field(() => Date)
  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;
}
