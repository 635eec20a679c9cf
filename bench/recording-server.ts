/**
 * The server of the recording-authorization benchmark, run in a process of its own as `opentrail
 * serve` is: `node --import tsx bench/recording-server.ts --authorizer policy|allow-all --port 0
 * --data-dir <dir> [--account-id <id>] [--parse-workers <n>] [--log-level <level>]`.
 *
 * `policy` is the server as `serve` builds it (the PolicyAuthorizer); `allow-all` is the same
 * server with `allowAuthenticated` put in its place through startServer's overrides, so that one
 * run can measure what authorization costs. The switch exists only here, never as a `serve` flag.
 * Either way each authorization is timed (the same wrapper, so both pay for the clock reads): on
 * SIGUSR2 the server prints `authorize-timings {json}` for the calls since the previous SIGUSR2
 * and starts counting anew. The parse worker starts from the sources (src/ingest/
 * worker-bootstrap.mjs registers tsx).
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { validateConfig, type Config } from '../src/config.ts';
import { allowAuthenticated, type Authorizer } from '../src/iam/index.ts';
import { startServer } from '../src/main.ts';
import { percentile } from './shared.ts';

/** What the server prints on SIGUSR2: the authorizations since the last one. */
export interface AuthorizeTimings {
  calls: number;
  totalUs: number;
  p50Us: number;
  p99Us: number;
}

export const TIMINGS_LINE = 'authorize-timings ';

const LOG_LEVELS: readonly Config['logLevel'][] = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'];

/** The authorizer, timed; `take()` returns the timings so far and starts again. */
function timed(inner: Authorizer): Authorizer & { take(): AuthorizeTimings } {
  let samples: number[] = [];
  return {
    authorize(request) {
      const started = process.hrtime.bigint();
      try {
        return inner.authorize(request);
      } finally {
        samples.push(Number(process.hrtime.bigint() - started) / 1000);
      }
    },
    take() {
      const sorted = samples.sort((a, b) => a - b);
      samples = [];
      return {
        calls: sorted.length,
        totalUs: sorted.reduce((sum, us) => sum + us, 0),
        p50Us: percentile(sorted, 50),
        p99Us: percentile(sorted, 99),
      };
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      authorizer: { type: 'string' },
      port: { type: 'string', default: '0' },
      'data-dir': { type: 'string' },
      'account-id': { type: 'string' },
      'parse-workers': { type: 'string', default: '1' },
      'log-level': { type: 'string', default: 'warn' },
    },
    strict: true,
  });
  const mode = values.authorizer;
  if (mode !== 'policy' && mode !== 'allow-all') {
    throw new Error(`--authorizer must be policy or allow-all, not ${String(mode)}`);
  }
  const dataDir = values['data-dir'];
  if (dataDir === undefined) throw new Error('--data-dir is required');
  const logLevel = LOG_LEVELS.find((l) => l === values['log-level']);
  if (logLevel === undefined) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);

  // `serve`'s defaults for everything the flags do not name.
  const config = validateConfig({
    port: Number(values.port),
    dataDir,
    logLevel,
    parseWorkers: Number(values['parse-workers']),
    ...(values['account-id'] !== undefined ? { accountId: values['account-id'] } : {}),
  });
  let authorizer: ReturnType<typeof timed> | undefined;
  const server = await startServer(config, pino({ level: logLevel }), {
    authorizer: (policies) => (authorizer = timed(mode === 'policy' ? policies : allowAuthenticated)),
  });
  // The line test/helpers/server.ts spawnServer waits for.
  process.stdout.write(`OpenTrail listening on ${server.url} (authorizer ${mode})\n`);

  process.on('SIGUSR2', () => {
    process.stdout.write(`${TIMINGS_LINE}${JSON.stringify(authorizer?.take())}\n`);
  });
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
