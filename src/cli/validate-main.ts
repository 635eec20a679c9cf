/**
 * `opentrail validate` on its own: bin/opentrail.js runs this entry for the validate command, so
 * that it loads what validation needs and not every other command's packages (the CloudTrail SDK
 * alone takes ~80 ms to load, longer than validating a local trail of 2,000 log files).
 * cli/main.ts offers the same command among the others, for help and for `OPENTRAIL_TSX`.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { Command } from 'commander';
import { ConfigError, DEFAULT_PORT } from '../config.ts';
import { OrganizationError } from '../iam/index.ts';
import { ObjectStoreError } from '../objects/index.ts';
import { LOG_DIGEST_WORKER, serveLogDigests } from './log-digest-pool.ts';
import { addValidateCommand } from './validate-command.ts';

async function main(): Promise<void> {
  const program = new Command('opentrail').showHelpAfterError();
  // Workers run this module too: from a bundle, which needs no TypeScript loader. From the
  // TypeScript sources (tests importing it through tsx) the work stays on the main thread.
  const bundled = !import.meta.url.endsWith('.ts');
  addValidateCommand(program, `http://127.0.0.1:${DEFAULT_PORT}`, {
    logDigestWorker: bundled ? new URL(import.meta.url) : undefined,
  });
  await program.parseAsync(process.argv);
}

try {
  if (!isMainThread && workerData === LOG_DIGEST_WORKER) serveLogDigests();
  else await main();
} catch (error) {
  // As cli/main.ts reports a failure.
  if (error instanceof ConfigError || error instanceof ObjectStoreError || error instanceof OrganizationError)
    console.error(`opentrail: ${error.message}`);
  else if (error instanceof Error && error.name !== 'CommanderError') {
    console.error(`opentrail: ${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`);
  } else console.error(error);
  process.exitCode = 1;
}
