#!/usr/bin/env node
// Runs the TypeScript sources directly, so `npm install` needs no build step.
//
// `opentrail serve` runs them through tsx. The other commands are short-lived, and for them tsx
// cost more than the work: its module hooks run on a thread of their own, with a round trip per
// module loaded, and the AWS SDK is hundreds of modules (`opentrail validate --help` took 0.24 s
// through tsx, 0.12 s from a bundle). So they run from a bundle of src/cli that esbuild (the one
// tsx itself uses) writes under node_modules/.cache/opentrail on first use, and writes again
// whenever a file under src/ changes size or modification time. Packages stay outside the bundle
// and load from node_modules as before. `validate` has a bundle of its own (cli/validate-main.ts):
// it then loads neither the CloudTrail SDK nor the other commands' packages. OPENTRAIL_TSX=1, or a
// bundle that cannot be written, means tsx for every command.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// OpenTrail supports Node 20 (package.json engines); the SDK's notice about its own future
// requirements is not something an OpenTrail user can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = join(ROOT, 'src', 'cli', 'main.ts');
const VALIDATE_ENTRY = join(ROOT, 'src', 'cli', 'validate-main.ts');
/** The server, which cli/main.ts imports for `serve` only; it stays out of the bundle. */
const SERVER = join(ROOT, 'src', 'main.ts');
const CACHE = join(ROOT, 'node_modules', '.cache', 'opentrail');
/** Bundles of older sources are removed once they are this old (a running command may use one). */
const STALE_MS = 3_600_000;

async function runWithTsx() {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}

/** Names every file under src/ with its size and modification time, and what shapes the build. */
function sourceFingerprint() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const info = statSync(path);
        hash.update(`${path}\0${info.size}\0${info.mtimeMs}\n`);
      }
    }
  };
  walk(join(ROOT, 'src'));
  for (const file of ['package.json', 'tsconfig.json', 'bin/opentrail.js']) {
    const info = statSync(join(ROOT, file));
    hash.update(`${file}\0${info.size}\0${info.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

function buildBundle(entry, path) {
  // esbuild as tsx resolves it: the version tsx was installed with.
  const requireFromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/esm/api'));
  const esbuild = requireFromTsx('esbuild');
  const result = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    packages: 'external',
    external: [SERVER],
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: path,
    sourcemap: 'linked',
    write: false,
    logLevel: 'silent',
  });
  mkdirSync(CACHE, { recursive: true });
  // Written under temporary names and renamed: another command may be reading the same bundle.
  const suffix = `.${process.pid}.tmp`;
  // The source map first: the bundle names it.
  const files = [...result.outputFiles].sort((a, b) => Number(a.path === path) - Number(b.path === path));
  for (const file of files) writeFileSync(file.path + suffix, file.contents);
  for (const file of files) renameSync(file.path + suffix, file.path);
}

function removeStaleBundles(fingerprint) {
  const now = Date.now();
  for (const name of readdirSync(CACHE)) {
    if (!/^(cli|validate)-/.test(name) || name.includes(fingerprint)) continue;
    const path = join(CACHE, name);
    try {
      if (now - statSync(path).mtimeMs > STALE_MS) rmSync(path, { force: true });
    } catch {
      // another command removed it first
    }
  }
}

/** Each command's bundle, by the name its file starts with. */
const BUNDLES = { cli: ENTRY, validate: VALIDATE_ENTRY };

/**
 * The `kind` bundle for the current sources, undefined when it cannot be built. A missing one is
 * built with the others, so that one warm-up run (`opentrail --help`) serves every command.
 */
function currentBundle(kind) {
  try {
    const fingerprint = sourceFingerprint();
    const pathOf = (k) => join(CACHE, `${k}-${fingerprint}.mjs`);
    try {
      statSync(pathOf(kind));
    } catch {
      for (const [k, entry] of Object.entries(BUNDLES)) buildBundle(entry, pathOf(k));
      removeStaleBundles(fingerprint);
    }
    return pathOf(kind);
  } catch {
    return undefined;
  }
}

const command = process.argv[2];
const bundle =
  command === 'serve' || process.env.OPENTRAIL_TSX
    ? undefined
    : currentBundle(command === 'validate' ? 'validate' : 'cli');
if (bundle) {
  // cli/main.ts imports the server only for `serve`, which never comes here.
  await import(pathToFileURL(bundle).href);
} else {
  await runWithTsx();
}
