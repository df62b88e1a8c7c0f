#!/usr/bin/env node
// npm run bundle: builds the Claude Desktop bundle (MCPB) mcp-connector-gateway.mcpb.
//
//   1. build: `npm run build`'s tsc, into a fresh folder, so files left in dist/ by deleted sources
//      never ship (--skip-build takes dist/ as it is: the tests build once for all)
//   2. stage a clean folder .tmp/bundle:   manifest.json, package.json, package-lock.json, README/LICENSE,
//                                          dist/src and dist/connectors without tests and source maps
//   3. npm ci --omit=dev --ignore-scripts  inside the staging folder: production dependencies exactly
//                                          as locked; no install scripts run (none are needed, and a
//                                          bundle must not depend on what a script downloaded)
//   4. mcpb pack .tmp/bundle <out>         validates the manifest again and zips the folder
//
// The content is reproducible: a fresh staging folder, dependencies exactly as locked, and mcpb's own
// fixed exclusion rules (*.map, *.d.ts, lock files, dotfiles, node_modules/.bin). The zip bytes are
// not: mcpb stamps every entry with the packing time.
//
// Options: --out FILE (default mcp-connector-gateway.mcpb at the repo root), --staging DIR,
// --skip-build, --offline (npm reads only its cache: after a root `npm ci` every locked tarball is
// there, so tests pack without the network). Without --offline npm prefers its cache and falls
// back to the registry.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildUi } from './build-ui.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'mcp-connector-gateway.mcpb') },
    staging: { type: 'string', default: join(root, '.tmp', 'bundle') },
    'skip-build': { type: 'boolean', default: false },
    offline: { type: 'boolean', default: false },
  },
});
const staging = resolve(opts.staging);
const out = resolve(opts.out);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args, cwd) {
  console.error(`$ ${command} ${args.join(' ')}${cwd === root ? '' : `   (in ${cwd})`}`);
  const r = spawnSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error(`bundle: ${command} ${args[0] ?? ''} failed (${r.error?.message ?? `exit ${r.status}`})`);
    process.exit(1);
  }
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
// A bundle whose manifest and package disagree is installed under one version and runs another.
if (manifest.version !== pkg.version || manifest.name !== pkg.name) {
  console.error(`bundle: manifest.json says ${manifest.name}@${manifest.version}, package.json ${pkg.name}@${pkg.version}; make them agree`);
  process.exit(1);
}

let built = join(root, 'dist');
if (!opts['skip-build']) {
  built = `${staging}.build`;
  rmSync(built, { recursive: true, force: true });
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', built], root);
  // The management page the stdio server serves on its loopback port (built, not bundled at run time).
  await buildUi(join(built, 'ui'));
}
// entry_point is relative to the bundle root, whose dist/ is `built`.
const entry = join(built, manifest.server.entry_point.replace(/^dist\//, ''));
if (!existsSync(entry)) {
  console.error(`bundle: ${manifest.server.entry_point} is missing; run npm run build`);
  process.exit(1);
}

rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
for (const file of ['manifest.json', 'package.json', 'package-lock.json', 'README.md', 'LICENSE']) {
  if (existsSync(join(root, file))) cpSync(join(root, file), join(staging, file));
}
for (const dir of ['src', 'connectors', 'ui']) {
  // Unit tests living beside the code (connectors/**/x.test.ts) compile too; they import vitest.
  cpSync(join(built, dir), join(staging, 'dist', dir), { recursive: true, filter: (src) => !src.endsWith('.map') && !src.endsWith('.test.js') });
}
run(npm, ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', opts.offline ? '--offline' : '--prefer-offline', '--loglevel=error'], staging);

mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true });
run(process.execPath, [join(root, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js'), 'pack', staging, out], root);
if (built !== join(root, 'dist')) rmSync(built, { recursive: true, force: true });
console.error(`bundle: wrote ${out}`);
