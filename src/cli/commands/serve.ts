/** `opentrail serve`: runs the server until SIGINT or SIGTERM. */
import { Option, type Command } from 'commander';
import {
  DEFAULT_DATA_DIR,
  DEFAULT_DELIVERY_INTERVAL_SECONDS,
  DEFAULT_DIGEST_INTERVAL_SECONDS,
  DEFAULT_KEY_ROTATION_DAYS,
  DEFAULT_LOG_FILE_MAX_BYTES,
  DEFAULT_PORT,
  DEFAULT_QUERY_TIMEOUT_SECONDS,
  DEFAULT_REGION,
  parseSnsTopicOption,
  validateConfig,
  type Config,
} from '../../config.ts';
import { parseInteger } from '../option-parsers.ts';

type ServeOptions = Pick<
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
};

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the OpenTrail server')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', parseInteger, DEFAULT_PORT)
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--region <region>', 'region named in the generated AWS config profile', DEFAULT_REGION)
    .option(
      '--account-id <id>',
      'account ID to create on first start (e.g. the account whose logs you import)',
    )
    .option('--history-retention-days <days>', 'Event history retention by event time', parseInteger, 90)
    .option('--parse-workers <n>', 'worker threads that parse recording batches (0: none)', parseInteger, 1)
    .option(
      '--delivery-interval <seconds>',
      'how often trails deliver log files (minimum 1)',
      Number,
      DEFAULT_DELIVERY_INTERVAL_SECONDS,
    )
    .option(
      '--log-file-max-bytes <n>',
      'largest uncompressed log file',
      parseInteger,
      DEFAULT_LOG_FILE_MAX_BYTES,
    )
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
    .action(serve);
}

async function serve(opts: ServeOptions): Promise<void> {
  const { deliveryInterval, digestInterval, queryTimeout, s3, s3Endpoint, s3Region, snsTopic, ...rest } =
    opts;
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
  // Loaded here, not on import: the other commands need none of the server (DuckDB, the API), and
  // bin/bundles.js leaves it out of the bundle they run from.
  const { startServer } = await import('../../main.ts');
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
}
