// Bundles GraphiQL and Monaco's web workers into ../dist, which the Go
// package embeds. The output depends only on package-lock.json and src/: no
// source maps, timestamps or absolute paths, so `make check-assets` can
// rebuild and compare byte for byte.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const outdir = fileURLToPath(new URL('../dist', import.meta.url));

// graphiql/style.css already carries Monaco's styles (fonts inlined), so the
// CSS files Monaco's modules import one by one would only duplicate them.
const dropMonacoCSS = {
  name: 'drop-monaco-css',
  setup(build) {
    build.onLoad({ filter: /[\\/]monaco-editor[\\/].*\.css$/ }, () => ({
      contents: '',
      loader: 'css',
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: {
    graphiql: 'src/index.jsx',
    'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
    'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
    'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
  },
  outdir,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  jsx: 'automatic',
  legalComments: 'eof',
  sourcemap: false,
  metafile: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  alias: { 'graphql-ws': './src/no-graphql-ws.js' },
  plugins: [dropMonacoCSS],
  logLevel: 'warning',
});

const outputs = Object.entries(result.metafile.outputs)
  .map(([path, { bytes }]) => `${path.replace(/^.*[\\/]dist[\\/]/, 'dist/')}\t${bytes}`)
  .sort();
console.log(outputs.join('\n'));
