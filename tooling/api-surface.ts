// `node tooling/api-surface.ts [--names] [--json]`: each library's API surface, as CONTRIBUTING.md records it:
// the names its package.json "exports" entry points export, how many of them code outside the package imports
// (static, `import type`, `await import(...)` and `import('…').Name` types), and how many its README's "## API"
// section names (in backquotes). Exits 1 when an export is neither imported from outside nor documented: that
// is internal, and belongs behind the entry point (`pnpm lint` runs this). --names lists the exported names
// nobody outside imports; --json prints, for each entry point, its exported names and those imported from outside.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

// --root DIR measures another checkout (the unit test's fixture); default: this repository.
const rootAt = process.argv.indexOf('--root');
const root = rootAt > 0 ? resolve(process.argv[rootAt + 1] ?? '.') : join(import.meta.dirname, '..');
const libraries = [
  'errors',
  'core',
  'podman-adapter',
  'backup',
  'diagnostics',
  'operations',
  'offsite',
].filter((library) => existsSync(join(root, 'packages', library, 'package.json')));

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/** Each library's entry points: subpath of its exports map → source file. */
function entryPoints(library: string): [string, string][] {
  const dir = join(root, 'packages', library);
  const exportsMap = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).exports as Record<
    string,
    string
  >;
  return Object.entries(exportsMap)
    .filter(([, file]) => file.endsWith('.ts'))
    .map(([subpath, file]) => [subpath, join(dir, file)]);
}

// One program for every entry point: the libraries share most of their modules.
const program = ts.createProgram(
  libraries.flatMap((library) => entryPoints(library).map(([, file]) => file)),
  {
    allowImportingTsExtensions: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ESNext,
    // Export names need no types: without the default lib and @types the program builds in a fraction.
    noLib: true,
    types: [],
  },
);
const checker = program.getTypeChecker();

/** Entry point → its exported names, for each subpath of the package's exports map. */
function exportedNames(library: string): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  for (const [subpath, file] of entryPoints(library)) {
    const source = program.getSourceFile(file);
    const symbol = source && checker.getSymbolAtLocation(source);
    const names = new Set(symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : []);
    result.set(`@phoenix-hydra/${library}${subpath === '.' ? '' : subpath.slice(1)}`, names);
  }
  return result;
}

/** The names in backquotes in the package README's "## API" section (`name` or `name(args)`). */
function documentedNames(library: string): Set<string> {
  let readme = '';
  try {
    readme = readFileSync(join(root, 'packages', library, 'README.md'), 'utf8');
  } catch {
    return new Set();
  }
  const section = /^## API\b.*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1] ?? '';
  return new Set([...section.matchAll(/`([A-Za-z_$][\w$]*)/g)].map((m) => m[1] as string));
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
const asJson = process.argv.includes('--json');
const json: Record<string, { exported: string[]; used: string[] }> = {};
const internal: string[] = [];
for (const library of libraries) {
  const own = join(root, 'packages', library);
  const outside = importedNames(all.filter((f) => !relative(own, f).match(/^[^.]/)));
  const documented = documentedNames(library);
  let exported = 0;
  let usedOutside = 0;
  let documentedOnly = 0;
  const unused: string[] = [];
  for (const [specifier, names] of exportedNames(library)) {
    const imported = outside.get(specifier) ?? new Set();
    const isUsed = (n: string) => imported.has(n) || imported.has('*');
    json[specifier] = { exported: [...names], used: [...names].filter(isUsed) };
    for (const name of names) {
      exported++;
      if (isUsed(name)) usedOutside++;
      else {
        unused.push(`${specifier} ${name}`);
        if (documented.has(name)) documentedOnly++;
        else internal.push(`${specifier} ${name}`);
      }
    }
  }
  if (asJson) continue;
  console.log(
    `${library}: ${exported} exported, ${usedOutside} used outside, ${documentedOnly} more documented (README "API")`,
  );
  if (showNames) for (const line of unused) console.log(`  unused ${line}`);
}
if (asJson) console.log(JSON.stringify(json, null, 2));
if (internal.length > 0) {
  console.error(
    `api-surface: ${internal.length} exported names are neither imported from outside their package nor in its README's "## API" section:`,
  );
  for (const line of internal) console.error(`  ${line}`);
  console.error(
    'Drop the export (tests import the module by relative path), keep the module out of the entry point, or document it as API.',
  );
  process.exitCode = 1;
}
