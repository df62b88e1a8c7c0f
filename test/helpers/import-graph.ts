import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** One import, export-from or dynamic import() of a source file, as TypeScript's own parser sees it. */
export interface ImportEdge {
  /** Repository-relative path of the importing file, `/`-separated. */
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** Repository-relative `.ts` path of a relative import's target; undefined for packages. */
  target: string | undefined;
  /** Erased at compile time: `import type`, or every named binding marked `type`, or `typeof import()`. */
  typeOnly: boolean;
  /** The named bindings imported (empty for namespace, side-effect and dynamic imports). */
  names: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveTarget(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.js$/, '.ts');
}

function clauseIsTypeOnly(clause: ts.ImportClause | undefined): boolean {
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function importedNames(clause: ts.ImportClause | undefined): string[] {
  const bindings = clause?.namedBindings;
  if (!bindings || !ts.isNamedImports(bindings)) return [];
  return bindings.elements.map((e) => (e.propertyName ?? e.name).text);
}

/** `const { A, B } = await import('…')` → [A, B]. */
function destructuredNames(call: ts.CallExpression): string[] {
  const awaited = ts.isAwaitExpression(call.parent) ? call.parent.parent : call.parent;
  if (!ts.isVariableDeclaration(awaited) || !ts.isObjectBindingPattern(awaited.name)) return [];
  return awaited.name.elements.map((e) => (e.propertyName ?? e.name).getText());
}

/** Every import edge of the given source text. */
export function importsOf(from: string, text: string): ImportEdge[] {
  const file = ts.createSourceFile(from, text, ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  const add = (specifier: string, typeOnly: boolean, names: string[]) =>
    edges.push({ from, specifier, target: resolveTarget(from, specifier), typeOnly, names });
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, clauseIsTypeOnly(node.importClause), importedNames(node.importClause));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const names = clause && ts.isNamedExports(clause) ? clause.elements.map((e) => (e.propertyName ?? e.name).text) : [];
      const typeOnly = node.isTypeOnly || (!!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier.text, typeOnly, names);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) add(arg.text, false, destructuredNames(node));
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true, []);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return edges;
}

/** The import graph of every TypeScript file under `dirs` (relative to `root`). */
export function readImportGraph(root: string, dirs: string[]): ImportEdge[] {
  return dirs.flatMap((dir) =>
    sourceFiles(join(root, dir)).flatMap((path) => importsOf(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'))),
  );
}

/** `src/<layer>/…` → `<layer>`; `connectors/…` → `connectors`; anything else → undefined. */
export function layerOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] === 'connectors') return 'connectors';
  if (parts[0] === 'src' && parts.length > 2) return parts[1];
  return undefined;
}

