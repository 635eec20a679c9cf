/** One typed configuration, validated at start and passed down (never read at import time). */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  region: string;
  accountId?: string;
  historyRetentionDays: number;
  /** How often retention runs over Event history. */
  purgeIntervalMs: number;
  /** Worker threads that parse recording batches (0: parse on the event loop). */
  parseWorkers: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** How often trails deliver log files (AWS: about every 5 minutes). */
  deliveryIntervalSeconds: number;
  /** Largest uncompressed log file; a bigger delivery is cut into several files. */
  logFileMaxBytes: number;
  /**
   * Where trail buckets live: `local` (under `<data-dir>/buckets`), or S3 through the AWS SDK and
   * the standard credential chain (`s3Endpoint` for S3-compatible storage; AWS S3 without it).
   */
  objectStore: { kind: 'local' } | { kind: 's3'; endpoint?: string; region?: string };
  /** How often trails with log file validation deliver digest files (AWS: every hour). */
  digestIntervalSeconds: number;
  /** How long a region's digest signing key signs before a new one takes over. */
  keyRotationDays: number;
  /** SNS topic names mapped to the HTTP(S) endpoints that receive their notifications. */
  snsTopics: Record<string, string>;
  /** Longest a Lake query runs before it is stopped as TIMED_OUT (default 10 minutes; AWS: "might time out" after one hour). */
  queryTimeoutSeconds: number;
  /** Lake queries running at once; more wait as QUEUED. */
  queryConcurrency: number;
  /** Lake queries of one account running at once (its share of `queryConcurrency`). */
  queryAccountShare: number;
  /** Lake queries of one account QUEUED or RUNNING at once (AWS quota: 10); more are MaxConcurrentQueriesException. */
  maxConcurrentQueries: number;
  /** DuckDB's memory limit for Lake queries, in MiB (the database's, shared); default 2048 or half the RAM. */
  queryMemoryLimitMiB?: number;
  /** Disk Lake queries may spill to beyond the memory limit, in MiB; a query needing more fails. */
  querySpillLimitMiB: number;
  /**
   * How far in the future a recorded event's eventTime may lie (clock skew between the sender and
   * this server); a later one is refused as InvalidRecord.
   */
  maxFutureSkewSeconds: number;
  /** TCP connections the API serves at once (`--max-connections`); further ones are closed. */
  maxConnections: number;
  /**
   * Request body bytes all requests together may hold in memory (`--max-body-memory`, MiB);
   * beyond it a request is answered 503 ServiceUnavailable, which SDKs retry.
   */
  maxInflightBodyMiB: number;
  /**
   * Where the Prometheus `/metrics` listener binds (`--metrics-address host:port`); none unless
   * given. It answers without SigV4, so it belongs on loopback or a private admin network.
   */
  metricsAddress?: { host: string; port: number };
  /**
   * Mode of object files in embedded buckets (`--bucket-mode`, default 0600); their directories
   * get search wherever read is granted. Everything else in the data directory is 0600/0700.
   */
  bucketFileMode: number;
  /**
   * `--require-mfa-for-destruction` (default on; `--no-require-mfa-for-destruction` turns it off):
   * calls that stop or weaken audit logging need an MFA-authenticated session, whoever calls.
   */
  requireMfaForDestruction: boolean;
}

export const DEFAULT_PORT = 4599;
export const DEFAULT_DATA_DIR = './.opentrail';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_HISTORY_RETENTION_DAYS = 90;
export const DEFAULT_DELIVERY_INTERVAL_SECONDS = 60;
export const DEFAULT_LOG_FILE_MAX_BYTES = 32 * 1024 * 1024;
export const DEFAULT_DIGEST_INTERVAL_SECONDS = 3600;
export const DEFAULT_KEY_ROTATION_DAYS = 30;
export const DEFAULT_QUERY_TIMEOUT_SECONDS = 600;
export const DEFAULT_QUERY_CONCURRENCY = 2;
export const DEFAULT_MAX_CONCURRENT_QUERIES = 10;
export const DEFAULT_QUERY_SPILL_LIMIT_MIB = 4096;
export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 15 * 60;
export const DEFAULT_MAX_CONNECTIONS = 1024;
export const DEFAULT_MAX_INFLIGHT_BODY_MIB = 256;

export const DEFAULT_BUCKET_FILE_MODE = 0o600;

export class ConfigError extends Error {}

export function validateConfig(input: Partial<Config>): Config {
  const config: Config = {
    host: input.host ?? '127.0.0.1',
    port: input.port ?? DEFAULT_PORT,
    dataDir: input.dataDir ?? DEFAULT_DATA_DIR,
    region: input.region ?? DEFAULT_REGION,
    historyRetentionDays: input.historyRetentionDays ?? DEFAULT_HISTORY_RETENTION_DAYS,
    purgeIntervalMs: input.purgeIntervalMs ?? 60 * 60 * 1000,
    parseWorkers: input.parseWorkers ?? 1,
    logLevel: input.logLevel ?? 'info',
    deliveryIntervalSeconds: input.deliveryIntervalSeconds ?? DEFAULT_DELIVERY_INTERVAL_SECONDS,
    logFileMaxBytes: input.logFileMaxBytes ?? DEFAULT_LOG_FILE_MAX_BYTES,
    objectStore: input.objectStore ?? { kind: 'local' },
    snsTopics: input.snsTopics ?? {},
    digestIntervalSeconds: input.digestIntervalSeconds ?? DEFAULT_DIGEST_INTERVAL_SECONDS,
    keyRotationDays: input.keyRotationDays ?? DEFAULT_KEY_ROTATION_DAYS,
    queryTimeoutSeconds: input.queryTimeoutSeconds ?? DEFAULT_QUERY_TIMEOUT_SECONDS,
    queryConcurrency: input.queryConcurrency ?? DEFAULT_QUERY_CONCURRENCY,
    queryAccountShare: input.queryAccountShare ?? input.queryConcurrency ?? DEFAULT_QUERY_CONCURRENCY,
    maxConcurrentQueries: input.maxConcurrentQueries ?? DEFAULT_MAX_CONCURRENT_QUERIES,
    querySpillLimitMiB: input.querySpillLimitMiB ?? DEFAULT_QUERY_SPILL_LIMIT_MIB,
    ...(input.queryMemoryLimitMiB !== undefined ? { queryMemoryLimitMiB: input.queryMemoryLimitMiB } : {}),
    maxFutureSkewSeconds: input.maxFutureSkewSeconds ?? DEFAULT_MAX_FUTURE_SKEW_SECONDS,
    maxConnections: input.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxInflightBodyMiB: input.maxInflightBodyMiB ?? DEFAULT_MAX_INFLIGHT_BODY_MIB,
    bucketFileMode: input.bucketFileMode ?? DEFAULT_BUCKET_FILE_MODE,
    requireMfaForDestruction: input.requireMfaForDestruction ?? true,
    ...(input.accountId !== undefined ? { accountId: input.accountId } : {}),
    ...(input.metricsAddress !== undefined ? { metricsAddress: input.metricsAddress } : {}),
  };
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new ConfigError(`--port must be 0..65535, got ${config.port}`);
  }
  const metricsPort = config.metricsAddress?.port;
  if (
    metricsPort !== undefined &&
    (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)
  ) {
    throw new ConfigError(`--metrics-address port must be 0..65535, got ${metricsPort}`);
  }
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(config.region)) {
    throw new ConfigError(`--region must be a region name like us-east-1, got '${config.region}'`);
  }
  if (config.accountId !== undefined && !/^\d{12}$/.test(config.accountId)) {
    throw new ConfigError(`--account-id must be 12 digits, got '${config.accountId}'`);
  }
  if (!Number.isInteger(config.historyRetentionDays) || config.historyRetentionDays < 1) {
    throw new ConfigError(
      `--history-retention-days must be a whole number of days >= 1, got ${config.historyRetentionDays}`,
    );
  }
  if (!Number.isFinite(config.deliveryIntervalSeconds) || config.deliveryIntervalSeconds < 1) {
    throw new ConfigError(
      `--delivery-interval must be at least 1 second, got ${config.deliveryIntervalSeconds}`,
    );
  }
  if (!Number.isFinite(config.digestIntervalSeconds) || config.digestIntervalSeconds < 1) {
    throw new ConfigError(`--digest-interval must be at least 1 second, got ${config.digestIntervalSeconds}`);
  }
  if (!Number.isFinite(config.keyRotationDays) || config.keyRotationDays <= 0) {
    throw new ConfigError(`--key-rotation-days must be more than 0, got ${config.keyRotationDays}`);
  }
  if (!Number.isInteger(config.maxConnections) || config.maxConnections < 1) {
    throw new ConfigError(`--max-connections must be a whole number >= 1, got ${config.maxConnections}`);
  }
  // A recording request's body may be 64 MiB: a budget below that would refuse the largest batch.
  if (!Number.isInteger(config.maxInflightBodyMiB) || config.maxInflightBodyMiB < 64) {
    throw new ConfigError(
      `--max-body-memory must be a whole number of MiB >= 64, got ${config.maxInflightBodyMiB}`,
    );
  }
  if (!Number.isFinite(config.maxFutureSkewSeconds) || config.maxFutureSkewSeconds < 0) {
    throw new ConfigError(`--max-future-skew must be 0 or more seconds, got ${config.maxFutureSkewSeconds}`);
  }
  if (!Number.isFinite(config.queryTimeoutSeconds) || config.queryTimeoutSeconds < 1) {
    throw new ConfigError(`--query-timeout must be at least 1 second, got ${config.queryTimeoutSeconds}`);
  }
  for (const [flag, value, least] of [
    ['--query-concurrency', config.queryConcurrency, 1],
    ['--query-account-share', config.queryAccountShare, 1],
    ['--max-concurrent-queries', config.maxConcurrentQueries, 1],
    ['--query-memory-limit', config.queryMemoryLimitMiB ?? 64, 64],
    ['--query-spill-limit', config.querySpillLimitMiB, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < least) {
      throw new ConfigError(`${flag} must be a whole number >= ${least}, got ${value}`);
    }
  }
  // Audit logs are never writable by others; reading may be opened to a group or to everyone.
  const mode = config.bucketFileMode;
  if (!Number.isInteger(mode) || (mode & ~0o644) !== 0 || (mode & 0o600) !== 0o600) {
    throw new ConfigError(
      `--bucket-mode must be 0600, 0640, 0604 or 0644 (the owner reads and writes, others may only read), got ${Number.isInteger(mode) ? `0${mode.toString(8)}` : String(mode)}`,
    );
  }
  if (!Number.isInteger(config.logFileMaxBytes) || config.logFileMaxBytes < 1024) {
    throw new ConfigError(
      `--log-file-max-bytes must be a whole number >= 1024, got ${config.logFileMaxBytes}`,
    );
  }
  if (config.objectStore.kind === 's3' && config.objectStore.endpoint !== undefined) {
    try {
      new URL(config.objectStore.endpoint);
    } catch {
      throw new ConfigError(`--s3-endpoint must be a URL, got '${config.objectStore.endpoint}'`);
    }
  }
  for (const [topic, url] of Object.entries(config.snsTopics)) {
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(topic)) {
      throw new ConfigError(`--sns-topic: '${topic}' is not a valid SNS topic name`);
    }
    if (!/^https?:\/\//.test(url)) {
      throw new ConfigError(`--sns-topic ${topic}: endpoint must be an http(s) URL, got '${url}'`);
    }
  }
  return config;
}

/**
 * Parses `--metrics-address`: `host:port`, `[ipv6]:port`, or a port alone (on 127.0.0.1). Port 0
 * takes a free one (tests).
 */
export function parseMetricsAddress(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$|^(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[3] ?? m?.[4]);
  if (!m || port > 65535) {
    throw new ConfigError(`--metrics-address expects HOST:PORT (e.g. 127.0.0.1:9599), got '${value}'`);
  }
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '127.0.0.1' : host, port };
}

/** Parses `NAME=URL` as given to --sns-topic. */
export function parseSnsTopicOption(value: string): [string, string] {
  const at = value.indexOf('=');
  if (at <= 0) throw new ConfigError(`--sns-topic expects NAME=URL, got '${value}'`);
  return [value.slice(0, at), value.slice(at + 1)];
}
