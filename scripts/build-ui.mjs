// Bundles the management page (src/ui/web, Preact + TSX) into dist/ui at build time: one script,
// one stylesheet, one document, no runtime fetches from anywhere else (the page's CSP allows none).
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildUi(outDir = join(root, 'dist', 'ui')) {
  const src = join(root, 'src', 'ui', 'web');
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(src, 'main.tsx')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  await copyFile(join(src, 'index.html'), join(outDir, 'index.html'));
  await copyFile(join(src, 'app.css'), join(outDir, 'app.css'));
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildUi();
}
