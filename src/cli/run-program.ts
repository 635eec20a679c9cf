/** How each entry (cli/main.ts, cli/validate-main.ts) runs its program and reports a failure. */
import type { Command } from 'commander';
import { ConfigError } from '../config.ts';
import { OrganizationError } from '../local/index.ts';
import { ObjectStoreError } from '../objects/index.ts';

/**
 * Builds the program and runs it on process.argv. A failure is a line on stderr, `opentrail: ` and
 * the message (after the error's name, unless it is one of ours or a plain Error), and exit code 1.
 */
export async function runProgram(buildProgram: () => Command): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (
      error instanceof ConfigError ||
      error instanceof ObjectStoreError ||
      error instanceof OrganizationError
    )
      console.error(`opentrail: ${error.message}`);
    else if (error instanceof Error && error.name !== 'CommanderError') {
      console.error(`opentrail: ${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`);
    } else console.error(error);
    process.exitCode = 1;
  }
}
