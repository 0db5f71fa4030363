import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import { Config, Release, User } from "../entities";
import type { GraphQLContext } from "./context";
import { HealthcheckInput, KeyValueInput, LimitInput } from "./types/inputs";
import { ConfigVar, HealthcheckSettings, ProcessLimits } from "./types/objects";

function sortedEntries<V>(record: Record<string, V>): [string, V][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

@Resolver(() => Config)
export class ConfigResolver {
  @Authorized()
  @Query(() => Config, { description: "The app's current config (that of its newest release)." })
  config(@Arg("app", () => String) app: string, @Ctx() { ctx, services }: GraphQLContext) {
    return services.configs.current(ctx, app);
  }

  @Authorized()
  @Mutation(() => Release, {
    description: "Sets and unsets config values in one new release; a null value unsets its key.",
  })
  setConfig(
    @Arg("app", () => String) app: string,
    @Arg("values", () => [KeyValueInput]) values: KeyValueInput[],
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.configs.setValues(ctx, app, values);
  }

  @Authorized()
  @Mutation(() => Release, { description: "Sets or removes memory and cpu limits per process type." })
  setLimits(
    @Arg("app", () => String) app: string,
    @Arg("memory", () => [LimitInput], { defaultValue: [] }) memory: LimitInput[],
    @Arg("cpu", () => [LimitInput], { defaultValue: [] }) cpu: LimitInput[],
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.configs.setLimits(ctx, app, memory, cpu);
  }

  @Authorized()
  @Mutation(() => Release, { description: "Sets the healthcheck of a process type (default web)." })
  setHealthcheck(
    @Arg("app", () => String) app: string,
    @Arg("healthcheck", () => HealthcheckInput) healthcheck: HealthcheckInput,
    @Arg("type", () => String, { defaultValue: "web" }) type: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.configs.setHealthcheck(ctx, app, type, healthcheck);
  }

  @Authorized()
  @Mutation(() => Release, { description: "Removes the healthcheck of a process type (default web)." })
  unsetHealthcheck(
    @Arg("app", () => String) app: string,
    @Arg("type", () => String, { defaultValue: "web" }) type: string,
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.configs.unsetHealthcheck(ctx, app, type);
  }

  @Authorized()
  @Mutation(() => Release, { description: "Sets and unsets tags (placement constraints); null unsets." })
  setTags(
    @Arg("app", () => String) app: string,
    @Arg("tags", () => [KeyValueInput]) tags: KeyValueInput[],
    @Ctx() { ctx, services }: GraphQLContext,
  ) {
    return services.configs.setTags(ctx, app, tags);
  }

  @FieldResolver(() => [ConfigVar])
  values(@Root() config: Config): ConfigVar[] {
    return sortedEntries(config.values).map(([key, value]) => ({ key, value }));
  }

  @FieldResolver(() => [ProcessLimits])
  limits(@Root() config: Config): ProcessLimits[] {
    return sortedEntries(config.limits).map(([type, l]) => ({ type, memory: l.memory ?? null, cpu: l.cpu ?? null }));
  }

  @FieldResolver(() => [HealthcheckSettings])
  healthchecks(@Root() config: Config): HealthcheckSettings[] {
    return sortedEntries(config.healthchecks).map(([type, check]) => ({ type, ...check }));
  }

  @FieldResolver(() => [ConfigVar])
  tags(@Root() config: Config): ConfigVar[] {
    return sortedEntries(config.tags).map(([key, value]) => ({ key, value }));
  }

  @FieldResolver(() => User, { nullable: true, description: "Who made this config." })
  owner(@Root() config: Config, @Ctx() { ctx, services }: GraphQLContext) {
    return config.ownerId ? services.users.byId(ctx, config.ownerId) : null;
  }
}
