import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Hook, HookDeliveryStatus } from "../../entities";

registerEnumType(HookDeliveryStatus, { name: "HookDeliveryStatus", description: "Where a hook delivery stands." });

@ObjectType({ description: "A hook just added, with its signing secret: keep it, it is shown only this once." })
export class AddedHook {
  @Field(() => Hook)
  hook: Hook;

  @Field(() => String, { description: "The HMAC-SHA256 key: X-Deis-Signature is sha256=HMAC(secret, `<X-Deis-Timestamp>.<body>`)." })
  secret: string;
}

@ObjectType({ description: "One try to deliver a hook." })
export class HookAttemptResult {
  @Field(() => Date)
  at: Date;

  @Field(() => Int, { nullable: true, description: "The receiver's HTTP status; null when none answered." })
  statusCode: number | null;

  @Field(() => String, { nullable: true, description: "Why it did not count as delivered (a non-2xx answer, a refused or unreachable address)." })
  error: string | null;
}

@ObjectType({ description: "One event sent (or being sent) to a hook, with its attempts." })
export class HookDeliveryResult {
  @Field(() => ID)
  id: string;

  @Field(() => String, { description: "release.deployed or release.failed." })
  event: string;

  @Field(() => Int, { description: "The release's version." })
  version: number;

  @Field(() => HookDeliveryStatus)
  status: HookDeliveryStatus;

  @Field(() => [HookAttemptResult])
  attempts: HookAttemptResult[];

  @Field(() => Date, { nullable: true, description: "When it is tried again, while pending." })
  nextAttemptAt: Date | null;

  @Field(() => Date)
  createdAt: Date;
}
