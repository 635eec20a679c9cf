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
  /** Longest a Lake query runs before it is stopped as TIMED_OUT (AWS: about one hour). */
  queryTimeoutSeconds: number;
}

export const DEFAULT_PORT = 4599;
export const DEFAULT_DATA_DIR = './.opentrail';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_HISTORY_RETENTION_DAYS = 90;
export const DEFAULT_DELIVERY_INTERVAL_SECONDS = 60;
export const DEFAULT_LOG_FILE_MAX_BYTES = 32 * 1024 * 1024;
export const DEFAULT_DIGEST_INTERVAL_SECONDS = 3600;
export const DEFAULT_KEY_ROTATION_DAYS = 30;
export const DEFAULT_QUERY_TIMEOUT_SECONDS = 3600;

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
    ...(input.accountId !== undefined ? { accountId: input.accountId } : {}),
  };
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new ConfigError(`--port must be 0..65535, got ${config.port}`);
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
  if (!Number.isFinite(config.queryTimeoutSeconds) || config.queryTimeoutSeconds < 1) {
    throw new ConfigError(`--query-timeout must be at least 1 second, got ${config.queryTimeoutSeconds}`);
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

/** Parses `NAME=URL` as given to --sns-topic. */
export function parseSnsTopicOption(value: string): [string, string] {
  const at = value.indexOf('=');
  if (at <= 0) throw new ConfigError(`--sns-topic expects NAME=URL, got '${value}'`);
  return [value.slice(0, at), value.slice(at + 1)];
}
