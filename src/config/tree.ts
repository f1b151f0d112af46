/**
 * A YAML document as a plain tree with positions.
 *
 * `load.ts` turns the `yaml` library's nodes into this, so the validator and resolver never
 * depend on the parser (one import site per dependency) and tests can build trees directly.
 */

/** 1-based line and column in the source file. */
export interface Pos {
  readonly line: number;
  readonly col: number;
}

export interface ScalarNode {
  readonly kind: "scalar";
  readonly value: string | number | boolean | null;
  /** The text as written (`010`, `"yes"`), for messages and for values that keep their spelling. */
  readonly source: string;
  /** Plain (unquoted) scalars are the ones YAML may turn into numbers or booleans. */
  readonly quoted: boolean;
  readonly pos: Pos;
}

export interface SeqNode {
  readonly kind: "seq";
  readonly items: readonly TreeNode[];
  readonly pos: Pos;
}

export interface MapEntry {
  readonly key: string;
  readonly keyPos: Pos;
  readonly value: TreeNode;
}

export interface MapNode {
  readonly kind: "map";
  readonly entries: readonly MapEntry[];
  readonly pos: Pos;
}

export type TreeNode = ScalarNode | SeqNode | MapNode;

/** How a node reads in a message: "the number 8000", "a list", "a map". */
export function describeNode(node: TreeNode): string {
  switch (node.kind) {
    case "seq":
      return "a list";
    case "map":
      return "a map";
    case "scalar":
      if (node.value === null) return "empty";
      if (typeof node.value === "number") return `the number ${node.source}`;
      if (typeof node.value === "boolean") return `the boolean ${node.source}`;
      return `the string ${JSON.stringify(node.value)}`;
    default:
      throw new Error(`unknown node ${String((node as { kind: unknown }).kind)}`);
  }
}

export function isString(node: TreeNode): node is ScalarNode & { readonly value: string } {
  return node.kind === "scalar" && typeof node.value === "string";
}
