// SPDX-License-Identifier: AGPL-3.0-only
// Bundles the executable into dist/akvorado.mjs with esbuild. Native addons
// stay external (they are loaded from node_modules at run time). Version,
// commit and build date are baked in.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as esbuild from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
let commit = 'unknown';
try {
  commit = execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=12'], { encoding: 'utf8' }).trim();
} catch {
  // Not a git checkout.
}

/**
 * EXTERNAL lists packages loaded from node_modules at run time: native
 * addons; piscina, which starts its own worker script from its folder; and
 * net-snmp, whose agent assigns to a Proxy that refuses the write, which
 * throws in the bundle's strict mode (its own CommonJS code is sloppy).
 */
const EXTERNAL = ['chdb', 'node-rdkafka', 'piscina', 'net-snmp'];

// --outdir DIR builds elsewhere than dist/ (tests).
const outdirFlag = process.argv.indexOf('--outdir');
const outdir = outdirFlag > 0 ? process.argv[outdirFlag + 1] : 'dist';

await esbuild.build({
  // The flow worker is a second entry: worker threads load it by file name.
  entryPoints: { akvorado: 'src/cmd/akvorado.ts', 'flow-worker': 'src/inlet/flow/worker.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22.12',
  sourcemap: 'linked',
  external: EXTERNAL,
  logLevel: 'warning',
  legalComments: 'linked',
  define: {
    AKVORADO_BUILD_VERSION: JSON.stringify(pkg.version),
    AKVORADO_BUILD_COMMIT: JSON.stringify(commit),
    AKVORADO_BUILD_DATE: JSON.stringify(new Date().toISOString()),
  },
  // Bundled CommonJS dependencies call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __akvCreateRequire } from 'node:module'; const require = __akvCreateRequire(import.meta.url);",
  },
});
// The filter grammar is read next to the running module.
copyFileSync('src/console/filter/grammar.peggy', `${outdir}/grammar.peggy`);
// The console's web UI (Preact, ECharts, CodeMirror): dist/ui/index.html and
// hashed assets. The builder is TypeScript, loaded through Node's type stripping.
const { writeUI } = await import('./src/console/ui/build.ts');
await writeUI(`${outdir}/ui`);
// The documentation pages the console serves (GET docs/{name}).
mkdirSync(`${outdir}/docs`, { recursive: true });
for (const f of readdirSync('docs')) if (f.endsWith('.md')) copyFileSync(`docs/${f}`, `${outdir}/docs/${f}`);
console.log(`${outdir}/akvorado.mjs, ${outdir}/flow-worker.mjs and ${outdir}/ui/ built (version ${pkg.version}, commit ${commit})`);
