import { type FragmentDefinitionNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from "graphql";

/**
 * True when the operation asks, under the field being resolved, for the field at `path` (e.g.
 * ["nodes", "latestRelease"]), through fragments too: lets a list load in one statement what its
 * items' field resolvers would otherwise ask for in another.
 */
export function selects(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  return info.fieldNodes.some((node) => node.selectionSet !== undefined && within(node.selectionSet, path, info.fragments));
}

function within(set: SelectionSetNode, path: readonly string[], fragments: Record<string, FragmentDefinitionNode>): boolean {
  const [name, ...rest] = path;
  return set.selections.some((selection) => {
    switch (selection.kind) {
      case Kind.FIELD:
        if (selection.name.value !== name) return false;
        return rest.length === 0 || (selection.selectionSet !== undefined && within(selection.selectionSet, rest, fragments));
      case Kind.INLINE_FRAGMENT:
        return within(selection.selectionSet, path, fragments);
      case Kind.FRAGMENT_SPREAD: {
        const fragment = fragments[selection.name.value];
        return fragment !== undefined && within(fragment.selectionSet, path, fragments);
      }
    }
  });
}
