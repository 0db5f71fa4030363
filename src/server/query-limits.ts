import type { ApolloServerPlugin } from "@apollo/server";
import {
  type ASTVisitor,
  type DocumentNode,
  type GraphQLSchema,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from "graphql-query-complexity";

/** Introspection (GraphiQL's schema query nests ~15 deep) is bounded by this instead of the API's limit. */
const INTROSPECTION_MAX_DEPTH = 32;

/**
 * Refuses operations nested deeper than `max` fields (fragments followed). Introspection fields
 * (`__schema`, `__type`) are measured apart, against INTROSPECTION_MAX_DEPTH, so explorers work.
 */
export function depthLimit(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    let introspectionDepth = 0;
    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let deepest = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          const depth = selection.selectionSet ? 1 + depthOf(selection.selectionSet, seen) : 1;
          if (selection.name.value.startsWith("__")) introspectionDepth = Math.max(introspectionDepth, depth);
          else deepest = Math.max(deepest, depth);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, seen));
        } else if (!seen.has(selection.name.value)) {
          const fragment = fragments.get(selection.name.value);
          deepest = Math.max(deepest, depthOf(fragment?.selectionSet, new Set(seen).add(selection.name.value)));
        }
      }
      return deepest;
    };
    const refuse = (node: OperationDefinitionNode, message: string) =>
      context.reportError(new GraphQLError(message, { nodes: [node], extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }));
    return {
      OperationDefinition(node) {
        introspectionDepth = 0;
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > max) refuse(node, `query depth ${depth} exceeds the limit of ${max}`);
        if (introspectionDepth > INTROSPECTION_MAX_DEPTH) {
          refuse(node, `introspection depth ${introspectionDepth} exceeds the limit of ${INTROSPECTION_MAX_DEPTH}`);
        }
      },
    };
  };
}

/** The error for an operation whose estimated cost (lists weigh page size x children) exceeds `max`. */
export function complexityError(
  schema: GraphQLSchema,
  document: DocumentNode,
  max: number,
  operationName?: string | null,
  variables?: Record<string, unknown> | null,
): GraphQLError | null {
  const complexity = getComplexity({
    schema,
    query: document,
    operationName: operationName ?? undefined,
    variables: variables ?? undefined,
    estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
  });
  if (complexity <= max) return null;
  return new GraphQLError(`query cost ${complexity} exceeds the limit of ${max}; ask for smaller pages`, {
    extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
  });
}

export function complexityLimit(max: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          const error = complexityError(schema, document, max, request.operationName, request.variables);
          if (error) throw error;
        },
      };
    },
  };
}
