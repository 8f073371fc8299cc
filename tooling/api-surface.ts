// `pnpm exec node tooling/api-surface.ts [--names]`: each library's API surface, as CONTRIBUTING.md
// records it: the names its package.json "exports" entry points export, and how many of them code
// outside the package imports (static, `import type`, `await import(...)` and `import('…').Name` types).
// --names lists the exported names nobody outside imports; --json prints, for each entry point, its
// exported names and those imported from outside.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..');
const libraries = ['errors', 'core', 'podman-adapter', 'backup', 'diagnostics', 'operations', 'offsite'];

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/** Entry point file → its exported names, for each subpath of the package's exports map. */
function exportedNames(library: string): Map<string, Set<string>> {
  const dir = join(root, 'packages', library);
  const exportsMap = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).exports as Record<
    string,
    string
  >;
  const entries = Object.entries(exportsMap).filter(([, file]) => file.endsWith('.ts'));
  const program = ts.createProgram(
    entries.map(([, file]) => join(dir, file)),
    {
      allowImportingTsExtensions: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ESNext,
    },
  );
  const checker = program.getTypeChecker();
  const result = new Map<string, Set<string>>();
  for (const [subpath, file] of entries) {
    const source = program.getSourceFile(join(dir, file));
    const symbol = source && checker.getSymbolAtLocation(source);
    const names = new Set(symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : []);
    result.set(`@phoenix-hydra/${library}${subpath === '.' ? '' : subpath.slice(1)}`, names);
  }
  return result;
}

/** Specifier → names imported from it, over FILES. */
function importedNames(files: string[]): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  const add = (specifier: string, name: string) => {
    if (!used.has(specifier)) used.set(specifier, new Set());
    used.get(specifier)?.add(name);
  };
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('@phoenix-hydra/')) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ESNext, true);
    const visit = (node: ts.Node): void => {
      if (
        (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
        node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        const specifier = node.moduleSpecifier.text;
        const bindings = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : node.exportClause;
        if (bindings && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings))) {
          for (const element of bindings.elements)
            add(specifier, (element.propertyName ?? element.name).text);
        } else if (bindings) add(specifier, '*');
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
        const literal = node.argument.literal;
        if (ts.isStringLiteral(literal) && node.qualifier) {
          add(
            literal.text,
            ts.isIdentifier(node.qualifier) ? node.qualifier.text : node.qualifier.left.getText(),
          );
        }
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        const specifier = node.arguments[0].text;
        let parent = node.parent;
        while (ts.isAwaitExpression(parent) || ts.isParenthesizedExpression(parent)) parent = parent.parent;
        if (ts.isVariableDeclaration(parent) && ts.isObjectBindingPattern(parent.name)) {
          for (const element of parent.name.elements) {
            add(specifier, (element.propertyName ?? element.name).getText());
          }
        } else if (ts.isPropertyAccessExpression(parent)) add(specifier, parent.name.text);
        else add(specifier, '*');
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return used;
}

const all = [
  ...sourceFiles(join(root, 'packages')),
  ...sourceFiles(join(root, 'apps')),
  ...sourceFiles(join(root, 'tooling')),
];
const showNames = process.argv.includes('--names');
const json: Record<string, { exported: string[]; used: string[] }> = {};
for (const library of libraries) {
  const own = join(root, 'packages', library);
  const outside = importedNames(all.filter((f) => !relative(own, f).match(/^[^.]/)));
  let exported = 0;
  let usedOutside = 0;
  const unused: string[] = [];
  for (const [specifier, names] of exportedNames(library)) {
    const imported = outside.get(specifier) ?? new Set();
    json[specifier] = {
      exported: [...names],
      used: [...names].filter((n) => imported.has(n) || imported.has('*')),
    };
    for (const name of names) {
      exported++;
      if (imported.has(name) || imported.has('*')) usedOutside++;
      else unused.push(`${specifier} ${name}`);
    }
  }
  if (process.argv.includes('--json')) continue;
  console.log(`${library}: ${exported} exported, ${usedOutside} used outside`);
  if (showNames) for (const line of unused) console.log(`  unused ${line}`);
}
if (process.argv.includes('--json')) console.log(JSON.stringify(json, null, 2));
