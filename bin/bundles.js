// The bundles bin/opentrail.js runs commands from (see there): built with esbuild under
// node_modules/.cache/opentrail, named by a fingerprint of the sources. A module of its own so that
// tests can find the bundles of the current sources.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = join(ROOT, 'src', 'cli', 'main.ts');
const VALIDATE_ENTRY = join(ROOT, 'src', 'cli', 'validate-main.ts');
const LOG_DIGEST_WORKER_ENTRY = join(ROOT, 'src', 'cli', 'log-digest-worker.ts');
const PARSE_WORKER_ENTRY = join(ROOT, 'src', 'ingest', 'parse-worker.ts');
/** The server, which cli/commands/serve.ts imports when `serve` runs; it stays out of the bundle. */
const SERVER = join(ROOT, 'src', 'main.ts');
const CACHE = join(ROOT, 'node_modules', '.cache', 'opentrail');
/** Bundles of older sources are removed once they are this old (a running command may use one). */
const STALE_MS = 3_600_000;

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
  for (const file of ['package.json', 'tsconfig.json', 'bin/opentrail.js', 'bin/bundles.js']) {
    const info = statSync(join(ROOT, file));
    hash.update(`${file}\0${info.size}\0${info.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

function buildBundle(entry, path, { withServer = false } = {}) {
  // A declared dependency of ours, pinned to the minor version tsx runs the sources with.
  const esbuild = createRequire(import.meta.url)('esbuild');
  const result = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    packages: 'external',
    external: withServer ? [] : [SERVER],
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
    if (!/^(cli|serve|validate|log-digest-worker|parse-worker)-/.test(name) || name.includes(fingerprint)) {
      continue;
    }
    const path = join(CACHE, name);
    try {
      if (now - statSync(path).mtimeMs > STALE_MS) rmSync(path, { force: true });
    } catch {
      // another command removed it first
    }
  }
}

/**
 * Each command's bundle, by the name its file starts with. `serve` is the whole program with the
 * server in it, and `parse-worker` the recording path's worker thread (ingest/parse-pool.ts).
 */
const BUNDLES = {
  cli: { entry: ENTRY },
  serve: { entry: ENTRY, withServer: true },
  validate: { entry: VALIDATE_ENTRY },
  'log-digest-worker': { entry: LOG_DIGEST_WORKER_ENTRY },
  'parse-worker': { entry: PARSE_WORKER_ENTRY },
};

/**
 * The bundles for the current sources, by kind, undefined when they cannot be built. Missing ones
 * are built all together, so that one warm-up run (`opentrail --help`) serves every command.
 */
export function currentBundles() {
  try {
    const fingerprint = sourceFingerprint();
    const paths = Object.fromEntries(
      Object.keys(BUNDLES).map((kind) => [kind, join(CACHE, `${kind}-${fingerprint}.mjs`)]),
    );
    try {
      for (const path of Object.values(paths)) statSync(path);
    } catch {
      for (const [kind, { entry, ...options }] of Object.entries(BUNDLES)) {
        buildBundle(entry, paths[kind], options);
      }
      removeStaleBundles(fingerprint);
    }
    return paths;
  } catch {
    return undefined;
  }
}
