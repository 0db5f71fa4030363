import { Field, InputType, Int } from "type-graphql";

@InputType({ description: "One config or tag change: a value sets the key, null unsets it." })
export class KeyValueInput {
  @Field(() => String)
  key: string;

  @Field(() => String, { nullable: true })
  value: string | null;
}

@InputType({ description: 'A limit for one process type; a null value removes it. Memory like "512M", cpu like "500m".' })
export class LimitInput {
  @Field(() => String)
  type: string;

  @Field(() => String, { nullable: true })
  value: string | null;
}

@InputType({ description: "How to tell a process is healthy: GET path (2xx/3xx), or a TCP connect to PORT when path is null." })
export class HealthcheckInput {
  @Field(() => String, { nullable: true })
  path?: string | null;

  @Field(() => Int, { nullable: true, description: "Seconds to wait before the first check (default 0)." })
  initialDelaySeconds?: number | null;

  @Field(() => Int, { nullable: true, description: "Seconds one check may take (default 5)." })
  timeoutSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: "Seconds between checks (default 2)." })
  periodSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: "Failed checks before giving up (default 30)." })
  failureThreshold?: number | null;
}

@InputType()
export class RegisterInput {
  @Field(() => String)
  username: string;

  @Field(() => String)
  password: string;

  @Field(() => String, { nullable: true })
  email?: string | null;
}

@InputType({ description: "How many processes of a type should run, e.g. web=3." })
export class ProcessCountInput {
  @Field(() => String)
  type: string;

  @Field(() => Int)
  count: number;
}

@InputType({ description: "A Procfile line: a process type and its command." })
export class ProcessTypeInput {
  @Field(() => String)
  type: string;

  @Field(() => String)
  command: string;
}
