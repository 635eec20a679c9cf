/** `opentrail buckets`: the embedded local buckets under <data-dir>/buckets. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_DATA_DIR } from '../../config.ts';
import { LocalDirObjectStore } from '../../local/index.ts';

export function registerBuckets(program: Command): void {
  const buckets = program.command('buckets').description('embedded local buckets under <data-dir>/buckets');
  buckets
    .command('create')
    .description('create a local bucket (S3 naming rules)')
    .argument('<name>', 'bucket name')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (name: string, opts: { dataDir: string }) => {
      const created = await LocalDirObjectStore.createBucket(join(opts.dataDir, 'buckets'), name);
      console.log(created ? `make_bucket: ${name}` : `bucket ${name} already exists`);
    });
  buckets
    .command('list')
    .description('list local buckets')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { dataDir: string }) => {
      for (const name of await LocalDirObjectStore.listBuckets(join(opts.dataDir, 'buckets')))
        console.log(name);
    });
}
