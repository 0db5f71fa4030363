import { type GraphQLFieldResolver, type GraphQLSchema, defaultFieldResolver, isObjectType } from "graphql";
import type { MiddlewareFn } from "type-graphql";
import type { GraphQLContext } from "../context";

/**
 * Runs the API's middlewares (in order) around the fields that need them: every root field (queries,
 * mutations, subscriptions) and every field with arguments, wherever it is. The other fields (an
 * object's plain properties) resolve as graphql-js does by default. type-graphql's globalMiddlewares
 * would wrap every field of every object in an async chain: a log batch of 1,000 lines cost 5,000
 * such chains per subscriber, and an apps page of 100 apps several hundred.
 */
export function guardFields(schema: GraphQLSchema, middlewares: readonly MiddlewareFn<GraphQLContext>[]): GraphQLSchema {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter((type) => type != null));
  const guarded = (resolve: GraphQLFieldResolver<unknown, GraphQLContext>): GraphQLFieldResolver<unknown, GraphQLContext> =>
    (root, args, context, info) => {
      const run = (index: number): unknown =>
        index === middlewares.length ? resolve(root, args, context, info) : middlewares[index]({ root, args, context, info }, async () => run(index + 1));
      return run(0);
    };
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      if (!roots.has(type) && field.args.length === 0) continue;
      field.resolve = guarded(field.resolve ?? defaultFieldResolver);
      if (field.subscribe) field.subscribe = guarded(field.subscribe);
    }
  }
  return schema;
}
