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
}

export const DEFAULT_PORT = 4599;
export const DEFAULT_DATA_DIR = './.opentrail';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_HISTORY_RETENTION_DAYS = 90;

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
  return config;
}
