/**
 * `opentrail validate` on its own: bin/opentrail.js runs this entry for the validate command, so
 * that it loads what validation needs and not every other command's packages (the CloudTrail SDK
 * alone takes ~80 ms to load, longer than validating a local trail of 2,000 log files).
 * cli/main.ts offers the same command among the others, for help and for `OPENTRAIL_TSX`.
 */
import { Command } from 'commander';
import { registerValidate } from './commands/validate.ts';
import { runProgram } from './run-program.ts';

/**
 * The bundle of cli/log-digest-worker.ts, which bin/opentrail.js names here before it imports this
 * module's bundle. A worker needs a module it can load without a TypeScript loader, so from the
 * sources (tests importing them through tsx) the work stays on the main thread.
 */
function logDigestWorker(): URL | undefined {
  const href = (globalThis as Record<symbol, unknown>)[Symbol.for('opentrail.logDigestWorker')];
  return typeof href === 'string' ? new URL(href) : undefined;
}

function buildProgram(): Command {
  const program = new Command('opentrail').showHelpAfterError();
  registerValidate(program, { logDigestWorker: logDigestWorker() });
  return program;
}

await runProgram(buildProgram);
