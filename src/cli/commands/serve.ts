/** `opentrail serve`: runs the server until SIGINT or SIGTERM. */
import { Option, type Command } from 'commander';
import {
  DEFAULT_BUCKET_FILE_MODE,
  DEFAULT_DATA_DIR,
  DEFAULT_DELIVERY_INTERVAL_SECONDS,
  DEFAULT_DIGEST_INTERVAL_SECONDS,
  DEFAULT_KEY_ROTATION_DAYS,
  DEFAULT_LOG_FILE_MAX_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_FUTURE_SKEW_SECONDS,
  DEFAULT_MAX_INFLIGHT_BODY_MIB,
  DEFAULT_PORT,
  DEFAULT_QUERY_TIMEOUT_SECONDS,
  DEFAULT_QUERY_CONCURRENCY,
  DEFAULT_MAX_CONCURRENT_QUERIES,
  DEFAULT_QUERY_SPILL_LIMIT_MIB,
  DEFAULT_REGION,
  parseMetricsAddress,
  parseSnsTopicOption,
  validateConfig,
  type Config,
} from '../../config.ts';
import { parseFileMode, parseInteger } from '../option-parsers.ts';

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
  | 'queryConcurrency'
  | 'queryAccountShare'
  | 'maxConcurrentQueries'
  | 'maxConnections'
  | 'requireMfaForDestruction'
> & {
  deliveryInterval: number;
  digestInterval: number;
  queryTimeout: number;
  queryMemoryLimit?: number;
  querySpillLimit: number;
  maxFutureSkew: number;
  maxBodyMemory: number;
  bucketMode: number;
  s3?: boolean;
  s3Endpoint?: string;
  s3Region?: string;
  snsTopic: string[];
  metricsAddress?: string;
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
      'longest a Lake query runs before it is stopped (TIMED_OUT); AWS says most queries finish within minutes and that Lake may time out after an hour',
      Number,
      DEFAULT_QUERY_TIMEOUT_SECONDS,
    )
    .option(
      '--query-concurrency <n>',
      'Lake queries running at once; more wait QUEUED',
      parseInteger,
      DEFAULT_QUERY_CONCURRENCY,
    )
    .option(
      '--query-account-share <n>',
      "Lake queries of one account running at once, so one account's heavy queries leave slots to others (default: --query-concurrency)",
      parseInteger,
    )
    .option(
      '--max-concurrent-queries <n>',
      'Lake queries of one account queued or running at once; more are refused (MaxConcurrentQueriesException; AWS quota: 10)',
      parseInteger,
      DEFAULT_MAX_CONCURRENT_QUERIES,
    )
    .option(
      '--query-memory-limit <MiB>',
      "memory DuckDB may use for Lake queries (the database's limit, shared with the rest of it; default: 2048, or half the RAM if less)",
      parseInteger,
    )
    .option(
      '--query-spill-limit <MiB>',
      'disk Lake queries may spill to (<data-dir>/lake-spill) beyond the memory limit; a query needing more fails',
      parseInteger,
      DEFAULT_QUERY_SPILL_LIMIT_MIB,
    )
    .option(
      '--max-future-skew <seconds>',
      'how far in the future a recorded eventTime may lie',
      Number,
      DEFAULT_MAX_FUTURE_SKEW_SECONDS,
    )
    .option(
      '--max-connections <n>',
      'TCP connections served at once; further ones are closed',
      parseInteger,
      DEFAULT_MAX_CONNECTIONS,
    )
    .option(
      '--max-body-memory <MiB>',
      'request body bytes held in memory across all requests; beyond it requests get 503 (retried by SDKs)',
      parseInteger,
      DEFAULT_MAX_INFLIGHT_BODY_MIB,
    )
    .addOption(
      new Option(
        '--bucket-mode <mode>',
        'mode of log files in embedded buckets: 0600, or 0640/0644 for other readers (directories get x)',
      )
        .argParser(parseFileMode)
        .default(DEFAULT_BUCKET_FILE_MODE, '0600'),
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
    .option(
      '--require-mfa-for-destruction',
      'refuse StopLogging, DeleteTrail, weakening UpdateTrail/UpdateEventDataStore, DeleteEventDataStore, StopEventDataStoreIngestion and DeleteChannel without an MFA session (aws sts get-session-token --serial-number … --token-code …)',
      true,
    )
    .option(
      '--no-require-mfa-for-destruction',
      'allow those calls with long-term keys and sessions without MFA (an explicit choice)',
    )
    .option(
      '--metrics-address <host:port>',
      'serve Prometheus metrics at http://HOST:PORT/metrics, without authentication (off unless given; e.g. 127.0.0.1:9599)',
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'silent'])
        .default('info'),
    )
    .action(serve);
}

async function serve(opts: ServeOptions): Promise<void> {
  const {
    deliveryInterval,
    digestInterval,
    queryTimeout,
    queryMemoryLimit,
    querySpillLimit,
    maxFutureSkew,
    maxConnections,
    maxBodyMemory,
    bucketMode,
    s3,
    s3Endpoint,
    s3Region,
    snsTopic,
    metricsAddress,
    ...rest
  } = opts;
  const config = validateConfig({
    ...rest,
    bucketFileMode: bucketMode,
    queryTimeoutSeconds: queryTimeout,
    querySpillLimitMiB: querySpillLimit,
    ...(queryMemoryLimit !== undefined ? { queryMemoryLimitMiB: queryMemoryLimit } : {}),
    maxFutureSkewSeconds: maxFutureSkew,
    maxConnections,
    maxInflightBodyMiB: maxBodyMemory,
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
    ...(metricsAddress !== undefined ? { metricsAddress: parseMetricsAddress(metricsAddress) } : {}),
  });
  // Loaded here, not on import: the other commands need none of the server (DuckDB, the API), and
  // bin/bundles.js leaves it out of the bundle they run from.
  const { startServer } = await import('../../main.ts');
  const server = await startServer(config);
  console.log(
    `OpenTrail listening on ${server.url} (account ${server.accountId}, data in ${server.dataDir})`,
  );
  if (server.metricsUrl) console.log(`Metrics: ${server.metricsUrl}/metrics`);
  console.log(`Credentials: ${server.credentialsPath} (profile opentrail)`);
  console.log(`  export AWS_SHARED_CREDENTIALS_FILE=${server.credentialsPath} AWS_PROFILE=opentrail`);
  if (server.rootCredentialsPath) {
    console.log(
      `Root user (for bootstrap; delete its key once done): ${server.rootCredentialsPath} (profile opentrail-root)`,
    );
  }
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
