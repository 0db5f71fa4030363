import type { GraphQLSchema } from "graphql";
import { type AuthChecker, buildSchema } from "type-graphql";
import { AppEventsResolver } from "./app-events.resolver";
import { AppResolver } from "./app.resolver";
import { AuditResolver } from "./audit.resolver";
import { AuthResolver } from "./auth.resolver";
import { BuildResolver } from "./build.resolver";
import { CollaboratorResolver } from "./collaborator.resolver";
import { ConfigResolver } from "./config.resolver";
import { CronResolver } from "./cron.resolver";
import type { GraphQLContext } from "./context";
import { DomainResolver } from "./domain.resolver";
import { HookResolver } from "./hook.resolver";
import { KeyResolver } from "./key.resolver";
import { LogResolver } from "./log.resolver";
import { auditMutations } from "./middlewares/audit";
import { guardFields } from "./middlewares/guard-fields";
import { rejectNulCharacters } from "./middlewares/reject-nul";
import { PlatformResolver } from "./platform.resolver";
import { CertificateResolver } from "./certificate.resolver";
import { ProcessResolver, ProcessUsageResolver } from "./process.resolver";
import { ReleaseResolver } from "./release.resolver";
import { RouterRulesResolver } from "./router-rules.resolver";
import { UserResolver } from "./user.resolver";
import { VolumeResolver } from "./volume.resolver";

export type { GraphQLContext } from "./context";
export { toClientError } from "./error-mapping";

export const RESOLVERS = [
  AuthResolver,
  UserResolver,
  KeyResolver,
  AppResolver,
  ConfigResolver,
  ReleaseResolver,
  BuildResolver,
  DomainResolver,
  CollaboratorResolver,
  PlatformResolver,
  ProcessResolver,
  ProcessUsageResolver,
  CertificateResolver,
  LogResolver,
  AppEventsResolver,
  AuditResolver,
  HookResolver,
  RouterRulesResolver,
  CronResolver,
  VolumeResolver,
] as const;

/** `@Authorized()` means "logged in"; what a user may do to an app is the services' call. */
const authChecker: AuthChecker<GraphQLContext> = ({ context }) => context.ctx.user !== null;

/**
 * type-graphql insists on a PubSub even though every subscription here brings its own `subscribe`
 * (which checks access first and reads the cache module's EventBus); this one refuses use.
 */
const noTopicPubSub = {
  publish(): never {
    throw new Error("publish through the cache module's EventBus");
  },
  subscribe(): never {
    throw new Error("subscriptions must define their own subscribe");
  },
};

/** Builds the API schema; `emitSchemaFile` writes schema/schema.graphql (see `npm run schema`). */
export async function buildApiSchema(emitSchemaFile?: string): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...RESOLVERS],
    authChecker,
    authMode: "error",
    validate: false,
    pubSub: noTopicPubSub,
    emitSchemaFile: emitSchemaFile ? { path: emitSchemaFile, sortedSchema: true } : false,
  });
  // The audit comes first, so it records what the NUL check refuses too.
  return guardFields(schema, [auditMutations, rejectNulCharacters]);
}
