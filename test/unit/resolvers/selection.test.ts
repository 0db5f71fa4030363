import { GraphQLObjectType, GraphQLSchema, GraphQLString, type GraphQLResolveInfo, graphql } from "graphql";
import { selects } from "../../../src/resolvers/selection";

/** A schema whose `apps` field records what `selects` says about the query it is resolved in. */
function recorder() {
  const seen: boolean[] = [];
  const release = new GraphQLObjectType({ name: "Release", fields: { version: { type: GraphQLString } } });
  const app = new GraphQLObjectType({ name: "App", fields: { name: { type: GraphQLString }, latestRelease: { type: release } } });
  const connection = new GraphQLObjectType({ name: "Apps", fields: { nodes: { type: app } } });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: "Query",
      fields: {
        apps: {
          type: connection,
          resolve: (_root: unknown, _args: unknown, _ctx: unknown, info: GraphQLResolveInfo) => {
            seen.push(selects(info, ["nodes", "latestRelease"]));
            return { nodes: { name: "a", latestRelease: { version: "1" } } };
          },
        },
      },
    }),
  });
  return { seen, run: async (source: string) => expect((await graphql({ schema, source })).errors).toBeUndefined() };
}

describe("selects: whether an operation asks for a field below the one being resolved", () => {
  test.each([
    ["directly", "{ apps { nodes { name latestRelease { version } } } }", true],
    ["not at all", "{ apps { nodes { name } } }", false],
    ["through a fragment spread", "query { apps { nodes { ...F } } } fragment F on App { latestRelease { version } }", true],
    ["through a fragment of the connection", "query { apps { ...C } } fragment C on Apps { nodes { latestRelease { version } } }", true],
    ["through an inline fragment", "{ apps { nodes { ... on App { latestRelease { version } } } } }", true],
    ["under an alias", "{ apps { nodes { newest: latestRelease { version } } } }", true],
    ["with the same name elsewhere only", "{ apps { nodes { name } } other: apps { nodes { latestRelease { version } } } }", false],
  ])("%s", async (_how, source, expected) => {
    const { seen, run } = recorder();
    await run(source);
    expect(seen[0]).toBe(expected);
  });
});
