/** Structural equality of JSON values, ignoring member order and `undefined` members. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]));
}

/**
 * The dotted path of the first object or array nested deeper than `max` below `root` (the root
 * itself is level 0), or undefined. Iterative, since the point is to survive input that would
 * overflow a recursive walk; the path is built only when one is found.
 */
export function pathDeeperThan(root: unknown, max: number): string | undefined {
  interface Node {
    value: object;
    depth: number;
    key: string;
    parent: Node | undefined;
  }
  if (typeof root !== 'object' || root === null) return undefined;
  const stack: Node[] = [{ value: root, depth: 0, key: '', parent: undefined }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.depth >= max) {
      const keys: string[] = [];
      for (let n: Node | undefined = node; n?.parent; n = n.parent) keys.push(n.key);
      return keys.reverse().join('.') || 'body';
    }
    for (const [key, v] of Object.entries(node.value)) {
      if (typeof v === 'object' && v !== null) stack.push({ value: v as object, depth: node.depth + 1, key, parent: node });
    }
  }
  return undefined;
}
