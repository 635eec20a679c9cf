/**
 * What authorization costs recording: the workload of bench/recording.ts (durable recording
 * through POST /v1/records of a server in its own process) sent by an IAM user with 10 attached
 * customer managed policies of 20 statements each, one of which allows cloudtrail:RecordEvents
 * (the action /v1/records is authorized on), against (A) the server as `serve` builds it, with the
 * PolicyAuthorizer, and (B) the same server set-up with `allowAuthenticated`
 * (bench/recording-server.ts), each on a fresh data directory. Runs alternate A B B A A B … with
 * the same request bodies for A and B; each run, the medians and their ratio are reported, with
 * the server's CPU time per 1000 events (steadier than events/s on a shared machine) and the
 * authorize step as the server itself times it (both servers through the same timing wrapper).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { RecordClient, resolveCredentials, type Credentials } from '../src/cli/client.ts';
import { INVICTUS_ACCOUNT, spawnServer, type ChildServer } from '../test/helpers/server.ts';
import { cpuMs, makeBatches, recordAll } from './recording.ts';
import { TIMINGS_LINE, type AuthorizeTimings } from './recording-server.ts';
import { stopServer } from './shared.ts';

const ENTRY = new URL('./recording-server.ts', import.meta.url).pathname;
const REGION = 'us-east-1';
const POLICIES = 10;
const STATEMENTS_PER_POLICY = 20;
/** Where the statement that allows recording sits: in the middle, not first or last. */
const RECORDING_POLICY = 6;
const RECORDING_STATEMENT = 13;
/** Services a team's policies name, each with its resource ARN for a name pattern. */
const SERVICES: readonly [string, (account: string, name: string) => string][] = [
  ['cloudtrail', (a, n) => `arn:aws:cloudtrail:*:${a}:trail/${n}`],
  ['s3', (_a, n) => `arn:aws:s3:::${n}/*`],
  ['kms', (a, n) => `arn:aws:kms:*:${a}:alias/${n}`],
  ['logs', (a, n) => `arn:aws:logs:*:${a}:log-group:${n}`],
  ['sns', (a, n) => `arn:aws:sns:*:${a}:${n}`],
  ['events', (a, n) => `arn:aws:events:*:${a}:rule/${n}`],
  ['iam', (a, n) => `arn:aws:iam::${a}:role/${n}`],
  ['dynamodb', (a, n) => `arn:aws:dynamodb:*:${a}:table/${n}`],
  ['cloudwatch', (a, n) => `arn:aws:cloudwatch:*:${a}:alarm:${n}`],
  ['ec2', (a, n) => `arn:aws:ec2:*:${a}:volume/${n}`],
];

export type AuthorizerMode = 'policy' | 'allow-all';

export interface AuthzRun {
  mode: AuthorizerMode;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** The server's CPU time (user + system, all threads) per 1000 events recorded. */
  serverCpuMsPer1000: number;
  /** The authorize step inside the server over the run, timed by the server itself. */
  authorize: AuthorizeTimings;
  /**
   * The authorize step's wall time over the server's CPU time (all threads) in the run: by the
   * median call (`typical`) and by the sum, which on a shared machine includes the times the
   * thread was preempted mid-call.
   */
  authorizeShareOfCpu: { typical: number; sum: number };
}

export interface AuthzSummary {
  medianPerSecond: number;
  medianCpuMsPer1000: number;
}

export interface RecordingAuthzResult {
  policies: number;
  statementsPerPolicy: number;
  events: number;
  batchSize: number;
  concurrency: number;
  runs: AuthzRun[];
  policy: AuthzSummary;
  allowAll: AuthzSummary;
  /** Median events/s with the PolicyAuthorizer over the median with allow-all (target ≥ 0.95). */
  throughputRatio: number;
  /** Median server CPU per event with the PolicyAuthorizer over the median with allow-all. */
  cpuRatio: number;
  /** The median of each round's events/s ratio: steadier than the ratio of medians under drift. */
  medianPairRatio: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Policy `p` of the recording user: 20 statements as a team's policies read — actions with
 * wildcards, resource ARN patterns (one with ${aws:username}), a condition on the Region in each,
 * one more on TLS in some — plus, in one policy, the statement that allows recording and, in the
 * last, a Deny guarding the trails. Kept under IAM's 6,144 characters for a managed policy.
 */
export function recordingUserPolicy(p: number, account: string): string {
  const statements: Record<string, unknown>[] = [];
  for (let s = 0; s < STATEMENTS_PER_POLICY; s++) {
    const regionCondition = { StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } };
    if (p === RECORDING_POLICY && s === RECORDING_STATEMENT) {
      statements.push({
        Sid: 'RecordEvents',
        Effect: 'Allow',
        Action: ['cloudtrail:RecordEvents', 'cloudtrail:PutAuditEvents'],
        Resource: '*',
        Condition: regionCondition,
      });
      continue;
    }
    if (p === POLICIES - 1 && s === STATEMENTS_PER_POLICY - 1) {
      statements.push({
        Sid: 'KeepTrails',
        Effect: 'Deny',
        Action: ['cloudtrail:StopLogging', 'cloudtrail:DeleteTrail', 'cloudtrail:UpdateTrail'],
        Resource: '*',
      });
      continue;
    }
    const [service, arn] = SERVICES[(p + s) % SERVICES.length]!;
    statements.push({
      Sid: `T${p}S${s}`,
      Effect: 'Allow',
      Action: [`${service}:Get*`, `${service}:List*`, `${service}:Describe${s}*`],
      Resource: [arn(account, `team-${s}-*`), arn(account, '${aws:username}-*')],
      Condition:
        s % 3 === 0
          ? { ...regionCondition, BoolIfExists: { 'aws:SecureTransport': 'true' } }
          : regionCondition,
    });
  }
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/**
 * Makes the recording user through the server's IAM API (as the bootstrap admin) and returns its
 * key; also a user with no policies, whose refusal shows the PolicyAuthorizer is the one deciding.
 */
async function makeRecordingUser(
  server: ChildServer,
): Promise<{ recorder: Credentials; outsider: Credentials }> {
  const iam = new IAMClient({
    region: REGION,
    endpoint: server.url,
    credentials: await resolveCredentials(server.dataDir),
  });
  try {
    const keyOf = async (userName: string): Promise<Credentials> => {
      await iam.send(new CreateUserCommand({ UserName: userName }));
      const { AccessKey: key } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
      if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error('CreateAccessKey returned no key');
      return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
    };
    const recorder = await keyOf('recorder');
    for (let p = 0; p < POLICIES; p++) {
      const { Policy: policy } = await iam.send(
        new CreatePolicyCommand({
          PolicyName: `team-policy-${p}`,
          PolicyDocument: recordingUserPolicy(p, INVICTUS_ACCOUNT),
        }),
      );
      await iam.send(new AttachUserPolicyCommand({ UserName: 'recorder', PolicyArn: policy?.Arn }));
    }
    return { recorder, outsider: await keyOf('outsider') };
  } finally {
    iam.destroy();
  }
}

/** Asks the bench server for its authorize timings since the last ask (SIGUSR2) and waits for them. */
function takeTimings(server: ChildServer): Promise<AuthorizeTimings> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const line = text.split('\n').find((l, i, lines) => i < lines.length - 1 && l.startsWith(TIMINGS_LINE));
      if (line === undefined) return;
      server.child.stdout?.off('data', onData);
      resolve(JSON.parse(line.slice(TIMINGS_LINE.length)) as AuthorizeTimings);
    };
    server.child.stdout?.on('data', onData);
    if (!server.child.kill('SIGUSR2')) reject(new Error('the bench server is gone'));
  });
}

/** Whether /v1/records refuses a caller with no policies (it must with the PolicyAuthorizer only). */
async function refusesOutsider(url: string, outsider: Credentials): Promise<boolean> {
  try {
    await new RecordClient(url, REGION, outsider).send(makeBatches(1, 1)[0] as string);
    return false;
  } catch (error) {
    if (/\): AccessDeniedException: /.test((error as Error).message)) return true;
    throw error;
  }
}

/** A bench server with its recording user, warmed up. */
interface BenchServer {
  mode: AuthorizerMode;
  server: ChildServer;
  pid: number;
  client: RecordClient;
}

async function startBenchServer(
  mode: AuthorizerMode,
  dataDir: string,
  options: { batchSize: number; concurrency: number },
): Promise<BenchServer> {
  // As bin/opentrail.cjs sizes libuv's pool before anything uses it.
  const env = { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' };
  const server = await spawnServer(
    dataDir,
    [
      '--authorizer',
      mode,
      '--account-id',
      INVICTUS_ACCOUNT,
      '--parse-workers',
      process.env.BENCH_PARSE_WORKERS ?? '1',
    ],
    env,
    ['--import', 'tsx', ...(process.env.BENCH_AUTHZ_NODE_ARGS ?? '').split(' ').filter(Boolean), ENTRY],
  );
  try {
    const { recorder, outsider } = await makeRecordingUser(server);
    if ((await refusesOutsider(server.url, outsider)) !== (mode === 'policy')) {
      throw new Error(`the ${mode} server did not decide as its authorizer should`);
    }
    const client = new RecordClient(server.url, REGION, recorder);
    const pid = server.child.pid as number;
    // Warm the server's JIT on the whole path, as the requests before in a long-lived server would.
    const warmUp = makeBatches(20 * options.batchSize, options.batchSize);
    await recordAll(client, warmUp, options.concurrency, pid, { warmUp: false });
    return { mode, server, pid, client };
  } catch (error) {
    await stopServer(server);
    throw error;
  }
}

/**
 * Waits until none of the processes uses more than 5 % of a core over a quarter second (a DuckDB
 * checkpoint after the last segment, say), for at most 10 s: a segment runs with the other
 * server idle.
 */
async function waitIdle(pids: readonly number[]): Promise<void> {
  const windowMs = 250;
  for (let waited = 0; waited < 10_000; waited += windowMs) {
    const before = pids.map(cpuMs);
    await sleep(windowMs);
    if (pids.every((pid, i) => cpuMs(pid) - (before[i] as number) < 0.05 * windowMs)) return;
  }
}

async function measure(s: BenchServer, bodies: readonly string[], concurrency: number): Promise<AuthzRun> {
  await takeTimings(s.server);
  const run = await recordAll(s.client, bodies, concurrency, s.pid, { warmUp: false });
  const authorize = await takeTimings(s.server);
  return {
    mode: s.mode,
    events: run.recorded,
    seconds: run.seconds,
    eventsPerSecond: run.recorded / run.seconds,
    serverCpuMsPer1000: (run.serverCpuMs * 1000) / run.recorded,
    authorize,
    authorizeShareOfCpu: {
      typical: (authorize.p50Us * authorize.calls) / (run.serverCpuMs * 1000),
      sum: authorize.totalUs / (run.serverCpuMs * 1000),
    },
  };
}

/**
 * Both servers run side by side, each idle while the other records: every round sends the same
 * new bodies to each, A then B, and the next round B then A (so drift in the machine's load
 * cancels within two rounds), after both have gone quiet.
 */
export async function benchRecordingAuthz(options: {
  /** Events each server records per round. */
  events: number;
  batchSize: number;
  concurrency: number;
  rounds: number;
  onRun?: (run: AuthzRun) => void;
}): Promise<RecordingAuthzResult> {
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'opentrail-bench-authz-')));
  const servers: BenchServer[] = [];
  const runs: AuthzRun[] = [];
  const pairRatios: number[] = [];
  try {
    servers.push(await startBenchServer('policy', dirs[0] as string, options));
    servers.push(await startBenchServer('allow-all', dirs[1] as string, options));
    const pids = servers.map((s) => s.pid);
    for (let round = 0; round < options.rounds; round++) {
      const bodies = makeBatches(options.events, options.batchSize);
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      const rate: Partial<Record<AuthorizerMode, number>> = {};
      for (const s of order) {
        await waitIdle(pids);
        const run = await measure(s, bodies, options.concurrency);
        runs.push(run);
        rate[run.mode] = run.eventsPerSecond;
        options.onRun?.(run);
      }
      pairRatios.push((rate.policy as number) / (rate['allow-all'] as number));
    }
  } finally {
    for (const s of servers) await stopServer(s.server);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  const summary = (mode: AuthorizerMode): AuthzSummary => {
    const of = runs.filter((r) => r.mode === mode);
    return {
      medianPerSecond: median(of.map((r) => r.eventsPerSecond)),
      medianCpuMsPer1000: median(of.map((r) => r.serverCpuMsPer1000)),
    };
  };
  const policy = summary('policy');
  const allowAll = summary('allow-all');
  return {
    policies: POLICIES,
    statementsPerPolicy: STATEMENTS_PER_POLICY,
    events: options.events,
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    runs,
    policy,
    allowAll,
    throughputRatio: policy.medianPerSecond / allowAll.medianPerSecond,
    cpuRatio: policy.medianCpuMsPer1000 / allowAll.medianCpuMsPer1000,
    medianPairRatio: median(pairRatios),
  };
}
