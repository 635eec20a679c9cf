/** The `opentrail` command: each command is registered from its own module under commands/. */
import { Command } from 'commander';
import { registerBuckets } from './commands/buckets.ts';
import { registerIam } from './commands/iam.ts';
import { registerImport } from './commands/import.ts';
import { registerLookup } from './commands/lookup.ts';
import { registerOrgs } from './commands/orgs.ts';
import { registerQuery } from './commands/query.ts';
import { registerRecord } from './commands/record.ts';
import { registerServe } from './commands/serve.ts';
import { registerValidate } from './commands/validate.ts';
import { runProgram } from './run-program.ts';

/** Every command, in the order help lists them. */
function buildProgram(): Command {
  const program = new Command('opentrail')
    .description('Self-hosted, AWS-compatible CloudTrail')
    .showHelpAfterError();
  registerServe(program);
  registerRecord(program);
  registerImport(program);
  registerLookup(program);
  registerQuery(program);
  registerBuckets(program);
  registerOrgs(program);
  registerIam(program);
  registerValidate(program);
  return program;
}

await runProgram(buildProgram);
