/** Test harness: the real server on a free port with its own data directory. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { validateConfig, type Config } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/main.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(REPO_ROOT, 'bin', 'opentrail.cjs');
export { CLOUDTRAIL_SAMPLES as SAMPLES } from '../fixtures/samples.ts';
/** The account the invictus-ir sample records name as recipientAccountId. */
export const INVICTUS_ACCOUNT = '123837392027';

export interface TestServer extends RunningServer {
  /** Environment for AWS CLI / boto3 child processes: credentials and region, no other profile. */
  awsEnv: NodeJS.ProcessEnv;
  dispose(): Promise<void>;
}

export async function makeTempDir(prefix = 'opentrail-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export function awsEnvFor(server: { credentialsPath: string }, region = 'us-east-1'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('AWS_')) delete env[k];
  return {
    ...env,
    AWS_SHARED_CREDENTIALS_FILE: server.credentialsPath,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_PROFILE: 'opentrail',
    AWS_DEFAULT_REGION: region,
    AWS_REGION: region,
    AWS_PAGER: '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/**
 * Starts the server in this process on port 0. Tests call with the bootstrap admin's long-term key,
 * so MFA before destruction is off unless a test turns it on (`requireMfaForDestruction: true`).
 */
export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? (await makeTempDir());
  const config = validateConfig({
    port: 0,
    logLevel: 'silent',
    requireMfaForDestruction: false,
    ...overrides,
    dataDir,
  });
  const server = await startServer(config, pino({ level: 'silent' }));
  return {
    ...server,
    close: () => server.close(),
    awsEnv: awsEnvFor(server),
    async dispose() {
      await server.close();
      if (!overrides.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ChildServer {
  child: ChildProcess;
  url: string;
  dataDir: string;
  credentialsPath: string;
  exited: Promise<number | null>;
}

/**
 * Starts `opentrail serve` as a child process (for crash tests) and waits until it listens. The
 * child inherits this process's environment unless `env` is given; `entry` is what node runs in
 * place of `opentrail serve` (a benchmark's own server entry, taking the same flags).
 */
export async function spawnServer(
  dataDir: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
  entry: readonly string[] = [BIN, 'serve'],
): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    [...entry, '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1] as string);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`server did not start in 30 s:\n${output}`)), 30_000).unref();
  });
  return { child, url, dataDir, credentialsPath: join(dataDir, 'credentials'), exited };
}
