import { Field, ID, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";

@ObjectType({ description: "A platform account." })
@Entity("users")
export class User {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Field(() => String)
  @Column({ type: "varchar", length: 64, unique: true })
  username: string;

  @Field(() => String, { nullable: true })
  @Column({ type: "varchar", length: 254, nullable: true })
  email: string | null;

  /** scrypt hash with its parameters and salt; never leaves the server. */
  @Column({ type: "varchar", length: 255 })
  passwordHash: string;

  @Field(() => Boolean, { description: "Admins manage users and every app." })
  @Column({ type: "boolean", default: false })
  isAdmin: boolean;

  @Field(() => Date)
  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ type: "timestamptz", precision: 3 })
  updatedAt: Date;
}
