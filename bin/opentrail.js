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
// it then loads neither the CloudTrail SDK nor the other commands' packages; and so has the worker
// thread it hashes local log files on (cli/log-digest-worker.ts), whose URL it finds in
// globalThis[Symbol.for('opentrail.logDigestWorker')]. OPENTRAIL_TSX=1, or a bundle that cannot be
// written, means tsx for every command.
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
const bundles = command === 'serve' || process.env.OPENTRAIL_TSX ? undefined : currentBundles();
if (bundles) {
  if (command === 'validate') {
    globalThis[Symbol.for('opentrail.logDigestWorker')] = pathToFileURL(bundles['log-digest-worker']).href;
  }
  // cli/commands/serve.ts imports the server only when `serve` runs, which never comes here.
  await import(pathToFileURL(command === 'validate' ? bundles.validate : bundles.cli).href);
} else {
  await runWithTsx();
}
