/** `opentrail import`: sends the records of every log file under a path, several requests at once. */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import pLimit from 'p-limit';
import { addClientCommand, clientOptionsOf, type ClientCommandOptions } from '../client-command.ts';
import { RecordClient } from '../client.ts';
import { batchBodies, findLogFiles, readLogFile } from '../log-files.ts';
import { parseInteger } from '../option-parsers.ts';
import { addSourceFailure, addToTally, createRecordTally, printTally } from '../record-tally.ts';

interface ImportOptions extends ClientCommandOptions {
  concurrency: number;
}

export function registerImport(program: Command): void {
  addClientCommand(program, 'import')
    .description('import CloudTrail log files (*.json.gz, *.json; directory trees as AWS lays them out)')
    .argument('<path>', 'a log file or a directory')
    .option('--concurrency <n>', 'requests in flight', parseInteger, 4)
    .action(importLogFiles);
}

async function importLogFiles(path: string, opts: ImportOptions): Promise<void> {
  const client = await RecordClient.create(clientOptionsOf(opts));
  const files = await findLogFiles(path);
  const tally = createRecordTally();
  const bar = new SingleBar({
    format: 'importing [{bar}] {value}/{total} files | {events} events | {eta_formatted} left',
    stream: process.stderr,
    hideCursor: true,
  });
  bar.start(files.length, 0, { events: 0 });
  let unreadable = 0;
  const limit = pLimit(Math.max(1, opts.concurrency));
  await limit.map(files, async (file) => {
    let bodies: string[] = [];
    try {
      bodies = batchBodies(await readLogFile(file)).bodies;
    } catch (error) {
      unreadable++;
      addSourceFailure(tally, file, (error as Error).message);
    }
    try {
      for (const body of bodies) addToTally(tally, await client.send(body), file);
    } catch (error) {
      // The server failed a request (gone, refusing): the files still queued are not attempted.
      limit.clearQueue();
      throw error;
    }
    bar.increment(1, { events: tally.recorded + tally.duplicates + tally.failed });
  });
  bar.stop();
  printTally(tally, `Imported ${files.length - unreadable} of ${files.length} files`);
  if (tally.failed > 0 || unreadable > 0) process.exitCode = 1;
}
