import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { User } from "../../entities";
import { AppEventType } from "../../modules/controller";

@ObjectType({ description: "A new session: keep the token, it is shown only once." })
export class AuthPayload {
  @Field(() => String)
  token: string;

  @Field(() => User)
  user: User;
}

@ObjectType({ description: "How many containers of one process type run." })
export class ProcessCount {
  @Field(() => String)
  type: string;

  @Field(() => Int)
  count: number;
}

@ObjectType()
export class ConfigVar {
  @Field(() => String)
  key: string;

  @Field(() => String)
  value: string;
}

@ObjectType({ description: "Resource limits of one process type." })
export class ProcessLimits {
  @Field(() => String)
  type: string;

  @Field(() => String, { nullable: true })
  memory: string | null;

  @Field(() => String, { nullable: true })
  cpu: string | null;
}

@ObjectType({ description: "The healthcheck of one process type." })
export class HealthcheckSettings {
  @Field(() => String)
  type: string;

  @Field(() => String, { nullable: true, description: "GET this path; null means a TCP connect." })
  path: string | null;

  @Field(() => Int)
  initialDelaySeconds: number;

  @Field(() => Int)
  timeoutSeconds: number;

  @Field(() => Int)
  periodSeconds: number;

  @Field(() => Int)
  failureThreshold: number;
}

@ObjectType({ description: "This platform." })
export class Platform {
  @Field(() => String, { description: "Apps answer at http://<app>.<domain>." })
  domain: string;

  @Field(() => String)
  version: string;

  @Field(() => String, { description: "enabled, disabled or admin_only." })
  registrationMode: string;
}

@ObjectType({ description: "An engine that runs app processes: the one local engine, or one node of the Swarm." })
export class RuntimeNode {
  @Field(() => String, { description: "Its hostname." })
  name: string;

  @Field(() => String, { nullable: true, description: "The address its processes' ports are published on (what the router reaches)." })
  address: string | null;

  @Field(() => String, { description: "ready, down, disconnected or unknown: whether the Swarm managers hear from it (ready: the local engine answers)." })
  state: string;

  @Field(() => String, { description: "active, pause or drain: whether it takes new processes." })
  availability: string;

  @Field(() => String, { description: "manager or worker; engine for the local engine." })
  role: string;

  @Field(() => [ConfigVar], { description: "Its labels, sorted by key: what apps' tags must match." })
  labels: ConfigVar[];
}

@ObjectType({ description: "Whether one shared component of the platform answers now, as this controller process sees it." })
export class ComponentStatus {
  @Field(() => String, { description: "database, cache or discovery." })
  name: string;

  @Field(() => String, { description: "What runs it: postgresql or pglite, redis or memory, etcd or memory." })
  backend: string;

  @Field(() => Boolean)
  healthy: boolean;

  @Field(() => String, { description: '"ok", or "down: " and why.' })
  detail: string;

  @Field(() => Int, { description: "How long the probe took, in milliseconds (up to the timeout when it did not answer)." })
  latencyMs: number;
}

registerEnumType(AppEventType, { name: "AppEventType" });

@ObjectType({ description: "Something that happened to an app." })
export class AppEvent {
  @Field(() => AppEventType)
  type: AppEventType;

  @Field(() => String)
  app: string;

  @Field(() => String, { description: "Who did it." })
  actor: string;

  @Field(() => Date)
  at: Date;

  @Field(() => Int, { nullable: true })
  version?: number | null;

  @Field(() => String, { nullable: true })
  domain?: string | null;

  @Field(() => String, { nullable: true })
  username?: string | null;

  @Field(() => String, { nullable: true })
  summary?: string | null;

  @Field(() => String, { nullable: true, description: "Why a release failed (RELEASE_FAILED)." })
  reason?: string | null;
}

@ObjectType({ description: "A process type and the command it runs, from the Procfile." })
export class ProcessType {
  @Field(() => String)
  type: string;

  @Field(() => String)
  command: string;
}

@ObjectType({ description: "One running (or stopped) process of an app, live from the engine." })
export class Process {
  @Field(() => String, { description: "<app>.v<release>.<type>.<num>" })
  name: string;

  @Field(() => String)
  type: string;

  @Field(() => Int)
  num: number;

  @Field(() => Int, { description: "The release it runs." })
  version: number;

  @Field(() => String, { description: "running, exited, created, restarting, ... as the engine reports it." })
  state: string;

  @Field(() => Date, { nullable: true })
  startedAt: Date | null;

  @Field(() => String, { nullable: true, description: "host:port the router sends requests to (web only)." })
  address: string | null;

  @Field(() => Int, { nullable: true, description: "Times the platform started it again after it crashed (since the controller started); null when unknown." })
  restarts?: number | null;

  @Field(() => String, { nullable: true, description: "The Swarm node (its hostname) it runs on; null on one engine." })
  node?: string | null;

  // cpuPercent, memoryBytes, memoryLimitBytes, networkRxBytes, networkTxBytes: ProcessUsageResolver
  // reads them from the engine only when a client asks for them.
}

@ObjectType({ description: "One sample of an app's processes with what each uses (processMetrics)." })
export class ProcessMetrics {
  @Field(() => String)
  app: string;

  @Field(() => Date, { description: "When the engine was read." })
  at: Date;

  @Field(() => [Process])
  processes: Process[];
}

@ObjectType({ description: "What a one-off command did." })
export class RunResult {
  @Field(() => Int)
  exitCode: number;

  @Field(() => String, { description: "stdout and stderr together (at most 1 MiB)." })
  output: string;

  @Field(() => String, { description: "What the command wrote to stdout (at most 1 MiB)." })
  stdout: string;

  @Field(() => String, { description: "What the command wrote to stderr (at most 1 MiB)." })
  stderr: string;

  @Field(() => Boolean, { description: "True when the time limit ended it." })
  timedOut: boolean;
}

@ObjectType({ description: "One line of a build's output." })
export class BuildLogLine {
  @Field(() => String)
  app: string;

  @Field(() => String, { description: "The commit being built." })
  sha: string;

  @Field(() => String)
  line: string;

  @Field(() => Date)
  at: Date;
}

@ObjectType({ description: "One line of an app's log." })
export class LogLine {
  @Field(() => Date)
  at: Date;

  @Field(() => String)
  app: string;

  @Field(() => String, { description: "web.1, worker.2, router, deis[api], deis[builder], or a syslog sender's." })
  source: string;

  @Field(() => String)
  message: string;

  @Field(() => String, { description: "The line as `deis logs` prints it: <RFC3339 time> <app>[<source>]: <message>." })
  text: string;
}

@ObjectType({ description: "How a syslog sender gets lines into an app's log: where to send and the app's ingest token." })
export class LogIngest {
  @Field(() => String)
  app: string;

  @Field(() => String, {
    description: "The app's secret: RFC 5424 senders put it in a [deis token=\"...\"] structured-data element, RFC 3164 senders as the HOSTNAME. Lines without it are dropped.",
  })
  token: string;

  @Field(() => String, { nullable: true, description: "Where the platform's syslog receiver listens (UDP and TCP); null when it has none." })
  host: string | null;

  @Field(() => Int, { nullable: true })
  port: number | null;

  @Field(() => String, { description: "A line as RFC 5424, with the token in place." })
  rfc5424Example: string;

  @Field(() => String, { description: "A line as RFC 3164, with the token as HOSTNAME." })
  rfc3164Example: string;
}
