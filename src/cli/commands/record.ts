/** `opentrail record`: sends the records of one file, or of standard input, to the server. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { addClientCommand, clientOptionsOf, type ClientCommandOptions } from '../client-command.ts';
import { RecordClient } from '../client.ts';
import { batchBodies, decodeLogFile } from '../log-files.ts';
import { addToTally, createRecordTally, printTally } from '../record-tally.ts';

export function registerRecord(program: Command): void {
  addClientCommand(program, 'record')
    .description(
      'record CloudTrail events (a log file, an array of records, or one record) from FILE or - for stdin',
    )
    .argument('<file>', 'file to read, or - for standard input')
    .action(record);
}

async function record(file: string, opts: ClientCommandOptions): Promise<void> {
  const client = await RecordClient.create(clientOptionsOf(opts));
  const bytes = file === '-' ? await readStdin() : await readFile(file);
  const { bodies } = batchBodies(decodeLogFile(bytes));
  const tally = createRecordTally();
  for (const body of bodies) addToTally(tally, await client.send(body), file);
  printTally(tally, 'Recorded');
  if (tally.failed > 0) process.exitCode = 1;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
