/**
 * A test-only server entry (never a `serve` flag): `opentrail serve` as it is, except that the
 * first audit commit holding a record of `--hold-audit-of <eventName>` never completes. When it
 * is reached — the call's change made, its record not yet committed — the entry prints `audit
 * commit held: <eventName>` and waits, so that a test can kill -9 it in exactly that window:
 * `spawnServer(dir, ['--hold-audit-of', 'CreateUser'], env, ['--import', 'tsx', <this file>])`.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { validateConfig, type Config } from '../../src/config.ts';
import { startServer } from '../../src/main.ts';
import type { EventStore } from '../../src/store/index.ts';

const LOG_LEVELS: readonly Config['logLevel'][] = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'];

const { values } = parseArgs({
  options: {
    'hold-audit-of': { type: 'string' },
    port: { type: 'string', default: '0' },
    'data-dir': { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
  },
  strict: true,
});
const held = values['hold-audit-of'];
if (held === undefined) throw new Error('--hold-audit-of <eventName> is required');
const dataDir = values['data-dir'];
if (dataDir === undefined) throw new Error('--data-dir is required');
const logLevel = LOG_LEVELS.find((l) => l === values['log-level']);
if (logLevel === undefined) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);

let holding = false;
const holdFirst = (store: EventStore): EventStore =>
  Object.assign(Object.create(store) as EventStore, {
    append: (events: Parameters<EventStore['append']>[0]) => {
      if (holding || !events.some((e) => e.eventName === held)) return store.append(events);
      holding = true;
      process.stdout.write(`audit commit held: ${held}\n`);
      return new Promise<never>(() => undefined);
    },
  });

const config = validateConfig({
  port: Number(values.port),
  dataDir,
  logLevel,
  requireMfaForDestruction: false,
});
const server = await startServer(config, pino({ level: logLevel }), { eventLog: holdFirst });
// The line test/helpers/server.ts spawnServer waits for.
process.stdout.write(`OpenTrail listening on ${server.url} (holding the audit commit of ${held})\n`);
