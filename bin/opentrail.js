#!/usr/bin/env node
// Runs the TypeScript sources directly, so `npm install` needs no build step.
//
// They run from bundles that esbuild (the one tsx itself uses) writes under
// node_modules/.cache/opentrail on first use, and writes again whenever a file under src/ changes
// size or modification time; packages stay outside the bundles and load from node_modules as
// before. Through tsx a command pays for its module hooks, which run on a thread of their own with
// a round trip per module loaded (`opentrail validate --help` took 0.24 s through tsx, 0.12 s from
// a bundle), and a server pays in memory: tsx's hooks thread and the recording worker's own tsx
// took an idle server from 138 MB resident to 202 MB (27 threads against 13). `validate` has a
// bundle of its own (cli/validate-main.ts): it then loads neither the CloudTrail SDK nor the other
// commands' packages; and so have the worker threads of `validate` (cli/log-digest-worker.ts) and
// of `serve` (ingest/parse-worker.ts), whose URLs they find in
// globalThis[Symbol.for('opentrail.logDigestWorker')] and [Symbol.for('opentrail.parseWorker')].
// `serve` is the whole program with the server in it; the other commands' bundle leaves the
// server out. OPENTRAIL_TSX=1, or a bundle that cannot be written, means tsx for every command.
import { pathToFileURL } from 'node:url';
import { currentBundles } from './bundles.js';

// OpenTrail supports Node 20 (package.json engines); the SDK's notice about its own future
// requirements is not something an OpenTrail user can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function runWithTsx() {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}

const command = process.argv[2];
const bundles = process.env.OPENTRAIL_TSX ? undefined : currentBundles();
if (bundles) {
  if (command === 'validate') {
    globalThis[Symbol.for('opentrail.logDigestWorker')] = pathToFileURL(bundles['log-digest-worker']).href;
  }
  if (command === 'serve') {
    globalThis[Symbol.for('opentrail.parseWorker')] = pathToFileURL(bundles['parse-worker']).href;
  }
  const bundle =
    command === 'validate' ? bundles.validate : command === 'serve' ? bundles.serve : bundles.cli;
  await import(pathToFileURL(bundle).href);
} else {
  await runWithTsx();
}
