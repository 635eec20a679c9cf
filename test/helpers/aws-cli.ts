/**
 * The AWS CLI (v1 `aws` or v2 /usr/bin/aws) against a test server: its endpoint and JSON output on
 * every call, the admin's credentials unless a call is given another caller's environment.
 */
import assert from 'node:assert/strict';
import { AWS_CLI_V2, run, type RunResult } from './run.ts';

export interface AwsCli {
  /** Runs `<aws> <args> --endpoint-url <server> --output json` as `env`'s caller (the admin's by default). */
  cli: (aws: string, args: string[], env?: NodeJS.ProcessEnv) => Promise<RunResult>;
  /** The same, asserting it succeeds: its JSON output, `{}` when it prints nothing. */
  ok: <T = unknown>(aws: string, args: string[], env?: NodeJS.ProcessEnv) => Promise<T>;
  /** The same, asserting it fails with the AWS error `code` ("An error occurred (<code>)"): its stderr. */
  fails: (aws: string, args: string[], code: string, env?: NodeJS.ProcessEnv) => Promise<string>;
  /** The records of `eventName` in Event history (LookupEvents through the AWS CLI v2, the admin's unless `env`), newest first. */
  recordsNamed: <T>(eventName: string, env?: NodeJS.ProcessEnv) => Promise<T[]>;
}

/** The AWS CLI against `server()` (a function: tests assign, and restart, their server in hooks). */
export function awsCli(server: () => { url: string; awsEnv: NodeJS.ProcessEnv }): AwsCli {
  const cli = (aws: string, args: string[], env: NodeJS.ProcessEnv = server().awsEnv) =>
    run(aws, [...args, '--endpoint-url', server().url, '--output', 'json'], { env });
  const ok = async <T = unknown>(aws: string, args: string[], env?: NodeJS.ProcessEnv): Promise<T> => {
    const result = await cli(aws, args, env);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return (result.stdout.trim() === '' ? {} : JSON.parse(result.stdout)) as T;
  };
  return {
    cli,
    ok,
    async fails(aws: string, args: string[], code: string, env?: NodeJS.ProcessEnv): Promise<string> {
      const result = await cli(aws, args, env);
      assert.notEqual(result.code, 0, `${args.join(' ')} should fail with ${code}: ${result.stdout}`);
      assert.match(result.stderr, new RegExp(`An error occurred \\(${code}\\)`), args.join(' '));
      return result.stderr;
    },
    async recordsNamed<T>(eventName: string, env?: NodeJS.ProcessEnv): Promise<T[]> {
      const found = await ok<{ Events: { CloudTrailEvent: string }[] }>(
        AWS_CLI_V2,
        [
          'cloudtrail',
          'lookup-events',
          '--lookup-attributes',
          `AttributeKey=EventName,AttributeValue=${eventName}`,
        ],
        env,
      );
      return found.Events.map((e) => JSON.parse(e.CloudTrailEvent) as T);
    },
  };
}

/** The message of the AWS CLI's error: what follows "An error occurred (<code>) when calling the <operation> operation: ". */
export function errorMessageOf(stderr: string): string {
  const m = /An error occurred \([\w.]+\) when calling the \w+ operation: ([\s\S]*)$/.exec(stderr.trim());
  assert.ok(m, `not an AWS CLI error: ${stderr}`);
  return m[1] ?? '';
}

/** A key as the SDK and the identity store spell it, or as the AWS CLI prints it (CreateAccessKey, STS). */
export type AnyKey =
  | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string };

/**
 * `base` (a test server's `awsEnv`) signing with `key` alone: no profile and no credentials file,
 * the key's session token when it has one, and `region` when given.
 */
export function keyEnv(base: NodeJS.ProcessEnv, key: AnyKey, region?: string): NodeJS.ProcessEnv {
  const { AWS_PROFILE: _profile, ...rest } = base;
  const [id, secret, token] =
    'AccessKeyId' in key
      ? [key.AccessKeyId, key.SecretAccessKey, key.SessionToken]
      : [key.accessKeyId, key.secretAccessKey, key.sessionToken];
  return {
    ...rest,
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_ACCESS_KEY_ID: id,
    AWS_SECRET_ACCESS_KEY: secret,
    ...(token ? { AWS_SESSION_TOKEN: token } : {}),
    ...(region ? { AWS_DEFAULT_REGION: region, AWS_REGION: region } : {}),
  };
}
