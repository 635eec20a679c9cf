/**
 * `opentrail validate` on its own: bin/opentrail.js runs this entry for the validate command, so
 * that it loads what validation needs and not every other command's packages (the CloudTrail SDK
 * alone takes ~80 ms to load, longer than validating a local trail of 2,000 log files).
 * cli/main.ts offers the same command among the others, for help and for `OPENTRAIL_TSX`.
 */
import { Command } from 'commander';
import { ConfigError, DEFAULT_PORT } from '../config.ts';
import { OrganizationError } from '../local/index.ts';
import { ObjectStoreError } from '../objects/index.ts';
import { addValidateCommand } from './validate-command.ts';

/**
 * The bundle of cli/log-digest-worker.ts, which bin/opentrail.js names here before it imports this
 * module's bundle. A worker needs a module it can load without a TypeScript loader, so from the
 * sources (tests importing them through tsx) the work stays on the main thread.
 */
function logDigestWorker(): URL | undefined {
  const href = (globalThis as Record<symbol, unknown>)[Symbol.for('opentrail.logDigestWorker')];
  return typeof href === 'string' ? new URL(href) : undefined;
}

async function main(): Promise<void> {
  const program = new Command('opentrail').showHelpAfterError();
  addValidateCommand(program, `http://127.0.0.1:${DEFAULT_PORT}`, { logDigestWorker: logDigestWorker() });
  await program.parseAsync(process.argv);
}

try {
  await main();
} catch (error) {
  // As cli/main.ts reports a failure.
  if (error instanceof ConfigError || error instanceof ObjectStoreError || error instanceof OrganizationError)
    console.error(`opentrail: ${error.message}`);
  else if (error instanceof Error && error.name !== 'CommanderError') {
    console.error(`opentrail: ${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`);
  } else console.error(error);
  process.exitCode = 1;
}
