import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { App } from "./app.entity";
import { User } from "./user.entity";

export enum BuildKind {
  IMAGE = "image",
  DOCKERFILE = "dockerfile",
  BUILDPACK = "buildpack",
}
registerEnumType(BuildKind, { name: "BuildKind", description: "How a build's image was made." });

/** Process type -> command, from the Procfile. */
export type Procfile = Record<string, string>;

@ObjectType({ description: "An image built (or given) for an app, with its process types." })
@Entity("builds")
export class Build {
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

  @Field(() => BuildKind)
  @Column({ type: "varchar", length: 16 })
  kind: BuildKind;

  @Field(() => String, { description: "The image reference the release runs." })
  @Column({ type: "varchar", length: 512 })
  image: string;

  @Field(() => String, { nullable: true, description: "The git commit built, for pushes." })
  @Column({ type: "varchar", length: 64, nullable: true })
  sha: string | null;

  @Column({ type: "jsonb", default: {} })
  procfile: Procfile;

  @Field(() => String, { nullable: true, description: "The image's digest in the registry." })
  @Column({ type: "varchar", length: 128, nullable: true })
  digest: string | null;

  @Field(() => String, { nullable: true, description: "What the build printed (git pushes)." })
  @Column({ type: "text", nullable: true })
  log: string | null;

  @Field(() => Date)
  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;
}
