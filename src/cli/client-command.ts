/** The options of every command that calls a running OpenTrail server: where it is and how to sign. */
import type { Command } from 'commander';
import { DEFAULT_DATA_DIR, DEFAULT_PORT, DEFAULT_REGION } from '../config.ts';
import type { ClientOptions } from './client.ts';

export const DEFAULT_ENDPOINT = `http://127.0.0.1:${DEFAULT_PORT}`;

export interface ClientCommandOptions {
  endpointUrl: string;
  dataDir: string;
  region?: string;
}

/** Adds command `name` to `program` with --endpoint-url, --data-dir and --region. */
export function addClientCommand(program: Command, name: string): Command {
  return program
    .command(name)
    .option('--endpoint-url <url>', 'OpenTrail server', DEFAULT_ENDPOINT)
    .option('--data-dir <dir>', 'where the server keeps its credentials file', DEFAULT_DATA_DIR)
    .option('--region <region>', 'region to call (default: AWS_REGION or us-east-1)');
}

export function clientOptionsOf(opts: ClientCommandOptions): ClientOptions {
  return {
    endpointUrl: opts.endpointUrl,
    dataDir: opts.dataDir,
    region: opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_REGION,
  };
}
