import { type ExecutionArgs, type ExecutionResult, createSourceEventStream, execute, print } from "graphql";
import type { GraphQLContext } from "../resolvers/context";

type Executed = ExecutionResult | Promise<ExecutionResult>;

/**
 * graphql-js's `subscribe`, except that an event several subscribers receive is executed once for
 * all of those asking the same thing as the same user: ten people (or tabs) following one app's
 * logs cost one execution of each batch, not ten.
 *
 * Sharing rests on the event bus handing every subscriber of a topic the same payload object (one
 * JSON.parse per message): results are kept per payload in a WeakMap, so they go with it. The key
 * is the operation, its variables and the viewer's user id; a result never crosses users, since
 * what a field resolves to (and whether it may be seen) can depend on who asks.
 */
export function sharedSubscribe(): (args: ExecutionArgs) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const results = new WeakMap<object, Map<string, Executed>>();
  return async (args) => {
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return stream;
    const viewer = (args.contextValue as GraphQLContext | undefined)?.ctx?.user?.id ?? "anonymous";
    const key = JSON.stringify([print(args.document), args.operationName ?? null, args.variableValues ?? null, viewer]);
    const run = (payload: unknown): Executed => {
      if (typeof payload !== "object" || payload === null) return execute({ ...args, rootValue: payload });
      let byKey = results.get(payload);
      if (!byKey) results.set(payload, (byKey = new Map()));
      let result = byKey.get(key);
      if (!result) byKey.set(key, (result = execute({ ...args, rootValue: payload })));
      return result;
    };
    const source = stream[Symbol.asyncIterator]();
    const mapped: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        const step = await source.next();
        if (step.done) return { value: undefined, done: true };
        try {
          return { value: await run(step.value), done: false };
        } catch (error) {
          await source.return?.();
          throw error;
        }
      },
      async return() {
        await source.return?.();
        return { value: undefined, done: true };
      },
      async throw(error: unknown) {
        await source.return?.();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return mapped;
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
