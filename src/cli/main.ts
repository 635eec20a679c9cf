/** The `opentrail` command. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DescribeQueryCommand,
  LookupAttributeKey,
  StartQueryCommand,
  paginateGetQueryResults,
  paginateLookupEvents,
  type Event,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { RecordResponse } from '../api/index.ts';
import {
  ConfigError,
  DEFAULT_DATA_DIR,
  DEFAULT_PORT,
  DEFAULT_DELIVERY_INTERVAL_SECONDS,
  DEFAULT_DIGEST_INTERVAL_SECONDS,
  DEFAULT_KEY_ROTATION_DAYS,
  DEFAULT_QUERY_TIMEOUT_SECONDS,
  DEFAULT_LOG_FILE_MAX_BYTES,
  DEFAULT_REGION,
  parseSnsTopicOption,
  validateConfig,
  type Config,
} from '../config.ts';
import {
  OrganizationError,
  addOrganizationAccount,
  createOrganization,
  readOrganizations,
  removeOrganizationAccount,
} from '../local/index.ts';
import { ObjectStoreError } from '../objects/index.ts';
import { LocalDirObjectStore } from '../local/index.ts';
import { RecordClient, cloudTrailClient, type ClientOptions } from './client.ts';
import { batchBodies, decodeLogFile, findLogFiles, readLogFile } from './log-files.ts';
import { csvText, formatEvents, tableText, type OutputFormat } from './lookup-output.ts';
import { addValidateCommand } from './validate-command.ts';

const DEFAULT_ENDPOINT = `http://127.0.0.1:${DEFAULT_PORT}`;

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected a whole number');
  return n;
}

function timestamp(value: string): Date {
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('expected ISO 8601 (2026-01-31T12:00:00Z) or epoch seconds');
  return new Date(ms);
}

function clientOptionsOf(opts: { endpointUrl: string; dataDir: string; region?: string }): ClientOptions {
  return {
    endpointUrl: opts.endpointUrl,
    dataDir: opts.dataDir,
    region: opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_REGION,
  };
}

function clientCommand(program: Command, name: string): Command {
  return program
    .command(name)
    .option('--endpoint-url <url>', 'OpenTrail server', DEFAULT_ENDPOINT)
    .option('--data-dir <dir>', 'where the server keeps its credentials file', DEFAULT_DATA_DIR)
    .option('--region <region>', 'region to call (default: AWS_REGION or us-east-1)');
}

interface Tally {
  recorded: number;
  duplicates: number;
  failed: number;
  outsideHistoryWindow: number;
  failures: string[];
}

function addToTally(tally: Tally, response: RecordResponse, source: string): void {
  for (const s of response.successful) {
    if (s.status === 'recorded') tally.recorded++;
    else tally.duplicates++;
  }
  tally.failed += response.failed.length;
  tally.outsideHistoryWindow += response.outsideHistoryWindow;
  for (const f of response.failed.slice(0, 5)) {
    if (tally.failures.length < 20)
      tally.failures.push(`${source}: record ${f.index}: ${f.errorCode}: ${f.errorMessage}`);
  }
}

function printTally(tally: Tally, what: string): void {
  console.log(
    `${what}: ${tally.recorded} recorded, ${tally.duplicates} already present, ${tally.failed} failed` +
      (tally.outsideHistoryWindow > 0
        ? ` (${tally.outsideHistoryWindow} are older than the Event history window and do not show in lookup; see serve --history-retention-days)`
        : ''),
  );
  for (const line of tally.failures) console.error(line);
}

/** Runs `tasks` with at most `limit` in flight. */
async function runLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  });
  await Promise.all(workers);
}

export function buildProgram(): Command {
  const program = new Command('opentrail')
    .description('Self-hosted, AWS-compatible CloudTrail')
    .showHelpAfterError();

  program
    .command('serve')
    .description('run the OpenTrail server')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', integer, DEFAULT_PORT)
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--region <region>', 'region named in the generated AWS config profile', DEFAULT_REGION)
    .option(
      '--account-id <id>',
      'account ID to create on first start (e.g. the account whose logs you import)',
    )
    .option('--history-retention-days <days>', 'Event history retention by event time', integer, 90)
    .option('--parse-workers <n>', 'worker threads that parse recording batches (0: none)', integer, 1)
    .option(
      '--delivery-interval <seconds>',
      'how often trails deliver log files (minimum 1)',
      Number,
      DEFAULT_DELIVERY_INTERVAL_SECONDS,
    )
    .option('--log-file-max-bytes <n>', 'largest uncompressed log file', integer, DEFAULT_LOG_FILE_MAX_BYTES)
    .option(
      '--digest-interval <seconds>',
      'how often trails with log file validation deliver digest files',
      Number,
      DEFAULT_DIGEST_INTERVAL_SECONDS,
    )
    .option(
      '--key-rotation-days <days>',
      'how long a digest signing key signs before the next one',
      Number,
      DEFAULT_KEY_ROTATION_DAYS,
    )
    .option(
      '--query-timeout <seconds>',
      'longest a Lake query runs before it is stopped (TIMED_OUT)',
      Number,
      DEFAULT_QUERY_TIMEOUT_SECONDS,
    )
    .option('--s3', 'keep trail buckets on AWS S3 (standard AWS credential chain)')
    .option('--s3-endpoint <url>', 'keep trail buckets on this S3-compatible server (implies --s3)')
    .option('--s3-region <region>', 'region for S3 requests (default: AWS_REGION or --region)')
    .option(
      '--sns-topic <name=url>',
      'deliver notifications for SNS topic NAME to an HTTP(S) endpoint (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'silent'])
        .default('info'),
    )
    .action(
      async (
        opts: Pick<
          Config,
          | 'host'
          | 'port'
          | 'dataDir'
          | 'region'
          | 'accountId'
          | 'historyRetentionDays'
          | 'parseWorkers'
          | 'logLevel'
          | 'deliveryIntervalSeconds'
          | 'logFileMaxBytes'
          | 'keyRotationDays'
        > & {
          deliveryInterval: number;
          digestInterval: number;
          queryTimeout: number;
          s3?: boolean;
          s3Endpoint?: string;
          s3Region?: string;
          snsTopic: string[];
        },
      ) => {
        const {
          deliveryInterval,
          digestInterval,
          queryTimeout,
          s3,
          s3Endpoint,
          s3Region,
          snsTopic,
          ...rest
        } = opts;
        const config = validateConfig({
          ...rest,
          queryTimeoutSeconds: queryTimeout,
          deliveryIntervalSeconds: deliveryInterval,
          digestIntervalSeconds: digestInterval,
          objectStore:
            s3 || s3Endpoint
              ? {
                  kind: 's3',
                  ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
                  ...(s3Region ? { region: s3Region } : {}),
                }
              : { kind: 'local' },
          snsTopics: Object.fromEntries(snsTopic.map(parseSnsTopicOption)),
        });
        // Loaded here, not on import: the other commands need none of the server (DuckDB, the API).
        const { startServer } = await import('../main.ts');
        const server = await startServer(config);
        console.log(
          `OpenTrail listening on ${server.url} (account ${server.accountId}, data in ${server.dataDir})`,
        );
        console.log(`Credentials: ${server.credentialsPath} (profile opentrail)`);
        console.log(`  export AWS_SHARED_CREDENTIALS_FILE=${server.credentialsPath} AWS_PROFILE=opentrail`);
        const stop = (): void => {
          void server.close().then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      },
    );

  clientCommand(program, 'record')
    .description(
      'record CloudTrail events (a log file, an array of records, or one record) from FILE or - for stdin',
    )
    .argument('<file>', 'file to read, or - for standard input')
    .action(async (file: string, opts: { endpointUrl: string; dataDir: string; region?: string }) => {
      const client = await RecordClient.create(clientOptionsOf(opts));
      const bytes = file === '-' ? await readStdin() : await readFile(file);
      const { bodies } = batchBodies(decodeLogFile(bytes));
      const tally: Tally = { recorded: 0, duplicates: 0, failed: 0, outsideHistoryWindow: 0, failures: [] };
      for (const body of bodies) addToTally(tally, await client.send(body), file);
      printTally(tally, 'Recorded');
      if (tally.failed > 0) process.exitCode = 1;
    });

  clientCommand(program, 'import')
    .description('import CloudTrail log files (*.json.gz, *.json; directory trees as AWS lays them out)')
    .argument('<path>', 'a log file or a directory')
    .option('--concurrency <n>', 'requests in flight', integer, 4)
    .action(
      async (
        path: string,
        opts: { endpointUrl: string; dataDir: string; region?: string; concurrency: number },
      ) => {
        const client = await RecordClient.create(clientOptionsOf(opts));
        const files = await findLogFiles(path);
        const tally: Tally = { recorded: 0, duplicates: 0, failed: 0, outsideHistoryWindow: 0, failures: [] };
        const bar = new SingleBar({
          format: 'importing [{bar}] {value}/{total} files | {events} events | {eta_formatted} left',
          stream: process.stderr,
          hideCursor: true,
        });
        bar.start(files.length, 0, { events: 0 });
        let unreadable = 0;
        await runLimited(files, Math.max(1, opts.concurrency), async (file) => {
          let bodies: string[] = [];
          try {
            bodies = batchBodies(await readLogFile(file)).bodies;
          } catch (error) {
            unreadable++;
            if (tally.failures.length < 20) tally.failures.push(`${file}: ${(error as Error).message}`);
          }
          for (const body of bodies) addToTally(tally, await client.send(body), file);
          bar.increment(1, { events: tally.recorded + tally.duplicates + tally.failed });
        });
        bar.stop();
        printTally(tally, `Imported ${files.length - unreadable} of ${files.length} files`);
        if (tally.failed > 0 || unreadable > 0) process.exitCode = 1;
      },
    );

  clientCommand(program, 'lookup')
    .description(
      'look up Event history (management events of the last 90 days; --category insight for Insights)',
    )
    .option(
      '--attribute <key=value>',
      `one lookup attribute: ${Object.values(LookupAttributeKey).join(', ')}`,
    )
    .option('--start-time <time>', 'ISO 8601 or epoch seconds', timestamp)
    .option('--end-time <time>', 'ISO 8601 or epoch seconds', timestamp)
    .option('--category <category>', 'insight to look up Insights events')
    .option('--max-items <n>', 'stop after this many events', integer)
    .addOption(
      new Option('--output <format>', 'output format').choices(['table', 'json', 'csv']).default('table'),
    )
    .action(
      async (opts: {
        endpointUrl: string;
        dataDir: string;
        region?: string;
        attribute?: string;
        startTime?: Date;
        endTime?: Date;
        category?: string;
        maxItems?: number;
        output: OutputFormat;
      }) => {
        const client = await cloudTrailClient(clientOptionsOf(opts));
        const input: LookupEventsCommandInput = {};
        if (opts.attribute) {
          const eq = opts.attribute.indexOf('=');
          if (eq <= 0)
            throw new InvalidArgumentError('--attribute takes KEY=VALUE, e.g. EventName=ConsoleLogin');
          input.LookupAttributes = [
            {
              AttributeKey: opts.attribute.slice(0, eq) as LookupAttributeKey,
              AttributeValue: opts.attribute.slice(eq + 1),
            },
          ];
        }
        if (opts.startTime) input.StartTime = opts.startTime;
        if (opts.endTime) input.EndTime = opts.endTime;
        if (opts.category) input.EventCategory = opts.category as 'insight';
        const events: Event[] = [];
        for await (const page of paginateLookupEvents({ client, pageSize: 50 }, input)) {
          events.push(...(page.Events ?? []));
          if (opts.maxItems !== undefined && events.length >= opts.maxItems) break;
        }
        console.log(
          formatEvents(opts.maxItems !== undefined ? events.slice(0, opts.maxItems) : events, opts.output),
        );
      },
    );

  clientCommand(program, 'query')
    .description('run a CloudTrail Lake SQL query (StartQuery) and print its results')
    .argument(
      '<statement>',
      'Lake SQL, e.g. "SELECT eventName, COUNT(*) FROM <event-data-store-id> GROUP BY 1"',
    )
    .addOption(
      new Option('--output <format>', 'output format').choices(['table', 'json', 'csv']).default('table'),
    )
    .action(
      async (
        statement: string,
        opts: { endpointUrl: string; dataDir: string; region?: string; output: OutputFormat },
      ) => {
        const client = await cloudTrailClient(clientOptionsOf(opts));
        const { QueryId } = await client.send(new StartQueryCommand({ QueryStatement: statement }));
        let described = await client.send(new DescribeQueryCommand({ QueryId }));
        for (let wait = 50; described.QueryStatus === 'QUEUED' || described.QueryStatus === 'RUNNING';) {
          await new Promise((r) => setTimeout(r, wait));
          wait = Math.min(wait * 2, 1000);
          described = await client.send(new DescribeQueryCommand({ QueryId }));
        }
        if (described.QueryStatus !== 'FINISHED') {
          console.error(
            `Query ${QueryId ?? ''} ${described.QueryStatus ?? ''}: ${described.ErrorMessage ?? ''}`,
          );
          process.exitCode = 1;
          return;
        }
        // Lake leaves null values out of a row; the header is every column seen, in order.
        const rows: Record<string, string>[] = [];
        const header: string[] = [];
        for await (const page of paginateGetQueryResults({ client, pageSize: 1000 }, { QueryId })) {
          for (const cells of page.QueryResultRows ?? []) {
            const row = Object.assign({}, ...cells) as Record<string, string>;
            for (const key of Object.keys(row)) if (!header.includes(key)) header.push(key);
            rows.push(row);
          }
        }
        if (opts.output === 'json') {
          console.log(
            JSON.stringify(
              rows.map((r) => Object.fromEntries(header.map((h) => [h, r[h] ?? null]))),
              null,
              2,
            ),
          );
        } else {
          const cells = rows.map((r) => header.map((h) => r[h] ?? ''));
          console.log(opts.output === 'csv' ? csvText(header, cells) : tableText(header, cells));
        }
        const stats = described.QueryStatistics;
        if (opts.output === 'table') {
          console.error(
            `${rows.length} rows; ${stats?.EventsScanned ?? 0} events scanned in ${stats?.ExecutionTimeInMillis ?? 0} ms`,
          );
        }
      },
    );

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

  const orgs = program
    .command('orgs')
    .description('organizations for organization trails (kept in <data-dir>/organizations.json)');
  orgs
    .command('create')
    .description('create an organization with a management account')
    .requiredOption('--management-account <id>', 'the management account (12 digits)')
    .option('--id <org-id>', 'organization ID, o- followed by 10-32 lower-case letters or digits')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { managementAccount: string; id?: string; dataDir: string }) => {
      const org = await createOrganization(opts.dataDir, opts.managementAccount, opts.id);
      console.log(`${org.id} (management account ${org.managementAccountId})`);
    });
  orgs
    .command('add-account')
    .description('add a member account to an organization')
    .requiredOption('--org <org-id>', 'organization ID')
    .requiredOption('--account <id>', 'member account (12 digits)')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { org: string; account: string; dataDir: string }) => {
      const org = await addOrganizationAccount(opts.dataDir, opts.org, opts.account);
      console.log(`${org.id}: ${org.memberAccountIds.length} member account(s)`);
    });
  orgs
    .command('remove-account')
    .description('remove a member account from an organization')
    .requiredOption('--org <org-id>', 'organization ID')
    .requiredOption('--account <id>', 'member account (12 digits)')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { org: string; account: string; dataDir: string }) => {
      const org = await removeOrganizationAccount(opts.dataDir, opts.org, opts.account);
      console.log(`${org.id}: ${org.memberAccountIds.length} member account(s)`);
    });
  orgs
    .command('list')
    .description('list organizations and their accounts')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { dataDir: string }) => {
      for (const org of await readOrganizations(opts.dataDir)) {
        console.log(
          `${org.id}\tmanagement ${org.managementAccountId}\tmembers ${org.memberAccountIds.join(',') || '-'}`,
        );
      }
    });

  addValidateCommand(program, DEFAULT_ENDPOINT);

  return program;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError || error instanceof ObjectStoreError || error instanceof OrganizationError)
    console.error(`opentrail: ${error.message}`);
  else if (error instanceof Error && error.name !== 'CommanderError') {
    const e = error as Error & { name: string };
    console.error(`opentrail: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`);
  } else console.error(error);
  process.exitCode = 1;
}
