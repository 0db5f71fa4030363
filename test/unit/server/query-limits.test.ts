import { GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString, parse, specifiedRules, validate } from "graphql";
import { pageComplexity } from "../../../src/resolvers/types/pagination";
import { complexityError, depthLimit } from "../../../src/server/query-limits";

// A small schema shaped like the API's: lists take `first` and weigh page size x children.
const page = { first: { type: GraphQLInt } };
const User: GraphQLObjectType = new GraphQLObjectType({
  name: "User",
  fields: () => ({
    username: { type: GraphQLString },
    apps: { type: new GraphQLList(new GraphQLNonNull(App)), args: page, extensions: { complexity: pageComplexity } },
  }),
});
const App: GraphQLObjectType = new GraphQLObjectType({
  name: "App",
  fields: () => ({
    name: { type: GraphQLString },
    owner: { type: User },
  }),
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: "Query",
    fields: {
      viewer: { type: User },
      apps: { type: new GraphQLList(new GraphQLNonNull(App)), args: page, extensions: { complexity: pageComplexity } },
    },
  }),
});

const errors = (query: string, max: number) => validate(schema, parse(query), [...specifiedRules, depthLimit(max)]).map((e) => e.message);

describe("query depth limit", () => {
  test("counts nested fields, and passes at the limit", () => {
    expect(errors("{ viewer { apps { owner { username } } } }", 4)).toEqual([]);
    expect(errors("{ viewer { apps { owner { username } } } }", 3)).toEqual(["query depth 4 exceeds the limit of 3"]);
  });

  test("follows fragments and inline fragments", () => {
    const query = "query Q { viewer { ...U } } fragment U on User { apps { ... on App { owner { apps { name } } } } }";
    expect(errors(query, 5)).toEqual([]);
    expect(errors(query, 4)).toEqual(["query depth 5 exceeds the limit of 4"]);
  });

  test("a fragment cycle does not loop (GraphQL refuses it on its own)", () => {
    const query = "{ viewer { ...A } } fragment A on User { apps { owner { ...A } } }";
    expect(errors(query, 10).some((m) => /cannot spread fragment "A" within itself/i.test(m))).toBe(true);
  });

  test("each operation of a document is measured on its own", () => {
    const document = "query Shallow { viewer { username } } query Deep { viewer { apps { owner { username } } } }";
    expect(errors(document, 2)).toEqual(["query depth 4 exceeds the limit of 2"]);
  });

  test("introspection is measured apart, against its own bound", () => {
    const introspection = "{ __schema { types { fields { type { ofType { name } } } } } }";
    expect(errors(introspection, 2)).toEqual([]);
    const tooDeep = `{ __schema { types { fields { type ${"{ ofType ".repeat(30)}{ name }${" }".repeat(30)} } } } }`;
    expect(errors(tooDeep, 2)).toEqual([expect.stringMatching(/^introspection depth \d+ exceeds the limit of 32$/)]);
  });
});

describe("query complexity limit", () => {
  const cost = (query: string, max: number, variables?: Record<string, unknown>) => complexityError(schema, parse(query), max, null, variables);

  test("a list weighs its page size times its children", () => {
    // apps(first: 10) { name owner { username } }: 10 x (1 + (1 + 1)) + 1 = 31
    expect(cost("{ apps(first: 10) { name owner { username } } }", 31)).toBeNull();
    const error = cost("{ apps(first: 10) { name owner { username } } }", 30);
    expect(error?.message).toBe("query cost 31 exceeds the limit of 30; ask for smaller pages");
    expect(error?.extensions).toMatchObject({ code: "BAD_USER_INPUT", http: { status: 400 } });
  });

  test("without `first` a list counts the default page of 50", () => {
    expect(cost("{ apps { name } }", 51)).toBeNull();
    expect(cost("{ apps { name } }", 50)).not.toBeNull();
  });

  test("nested lists multiply, and variables count like literals", () => {
    const query = "query Q($n: Int) { apps(first: $n) { owner { apps(first: $n) { name } } } }";
    // inner: 100 x 1 + 1 = 101; owner: 101 + 1 = 102; outer: 100 x 102 + 1 = 10201
    expect(cost(query, 10_201, { n: 100 })).toBeNull();
    expect(cost(query, 10_200, { n: 100 })?.message).toMatch(/query cost 10201/);
  });
});
