import { Field, ID, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from "typeorm";
import { User } from "./user.entity";

@ObjectType("Key", { description: "An SSH public key that may `git push` as its user." })
@Entity("ssh_keys")
@Unique(["userId", "name"])
export class SshKey {
  @Field(() => ID)
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @ManyToOne(() => User, { onDelete: "CASCADE" })
  @JoinColumn({ name: "userId" })
  user: User;

  @Index()
  @Column({ type: "uuid" })
  userId: string;

  @Field(() => String, { description: "The key's name: its comment unless one was given." })
  @Column({ type: "varchar", length: 128 })
  name: string;

  @Field(() => String, { description: "ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ..." })
  @Column({ type: "varchar", length: 64 })
  type: string;

  @Field(() => String, { description: "The public key in OpenSSH format." })
  @Column({ type: "text" })
  publicKey: string;

  @Field(() => String, { description: "SHA256:<base64>, as `ssh-keygen -lf` prints it." })
  @Column({ type: "varchar", length: 64, unique: true })
  fingerprint: string;

  @Field(() => Date)
  @CreateDateColumn({ type: "timestamptz", precision: 3 })
  createdAt: Date;
}
