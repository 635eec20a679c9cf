/**
 * `opentrail iam` against the real server: whoami as the admin and as the root user, create-user
 * with an AWS managed policy (the key it prints works with the AWS CLI, and is limited by the
 * policy), and enable-mfa reading two codes from standard input, computed here from RFC 6238 and
 * the secret the command shows. Every step is an API call, so each is in Event history.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { base32 } from '@scure/base';
import { stepNow, totp } from './helpers/mfa.ts';
import { AWS_CLI_V1, AWS_CLI_V2, run, type RunResult } from './helpers/run.ts';
import { BIN, startTestServer, type TestServer } from './helpers/server.ts';

const ACCOUNT = '123456789012';

describe('opentrail iam', () => {
  let server: TestServer;
  const opentrail = (args: string[]): Promise<RunResult> =>
    run(process.execPath, [BIN, ...args, '--endpoint-url', server.url, '--data-dir', server.dataDir], {
      env: server.awsEnv,
    });
  const aws = async (cli: string, args: string[], env: NodeJS.ProcessEnv = server.awsEnv) =>
    run(cli, [...args, '--endpoint-url', server.url, '--output', 'json'], { env });
  const awsOk = async (cli: string, args: string[], env?: NodeJS.ProcessEnv): Promise<unknown> => {
    const result = await aws(cli, args, env);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim() === '' ? {} : JSON.parse(result.stdout);
  };
  const rootEnv = (): NodeJS.ProcessEnv => ({
    ...server.awsEnv,
    AWS_SHARED_CREDENTIALS_FILE: join(server.dataDir, 'root-credentials'),
    AWS_PROFILE: 'opentrail-root',
  });

  /**
   * Runs `opentrail iam enable-mfa ARGS`, answering its prompts with `codes(secret)` once it has
   * shown the device's secret.
   */
  const enableMfa = (args: string[], codes: (seed: Uint8Array) => string[]): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [BIN, 'iam', 'enable-mfa', ...args, '--endpoint-url', server.url, '--data-dir', server.dataDir],
        { env: server.awsEnv, stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      let answered = false;
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const secret = /^Secret: +([A-Z2-7]+)$/m.exec(stdout)?.[1];
        if (secret && !answered) {
          answered = true;
          child.stdin.end(
            codes(base32.decode(secret))
              .map((c) => `${c}\n`)
              .join(''),
          );
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });

  before(async () => {
    server = await startTestServer({ accountId: ACCOUNT });
  });
  after(() => server.dispose());

  it('whoami names the admin, and with --root the root user', async () => {
    const admin = await opentrail(['iam', 'whoami']);
    assert.equal(admin.code, 0, admin.stderr);
    assert.match(admin.stdout, new RegExp(`^Account +${ACCOUNT}$`, 'm'));
    assert.match(admin.stdout, new RegExp(`^Arn +arn:aws:iam::${ACCOUNT}:user/admin$`, 'm'));
    const root = await opentrail(['iam', 'whoami', '--root']);
    assert.equal(root.code, 0, root.stderr);
    assert.match(root.stdout, new RegExp(`^Arn +arn:aws:iam::${ACCOUNT}:root$`, 'm'));
    assert.match(root.stdout, new RegExp(`^UserId +${ACCOUNT}$`, 'm'));
  });

  it('create-user makes a user whose printed key reads CloudTrail and is refused StopLogging', async () => {
    const created = await opentrail(['iam', 'create-user', 'auditor', '--policy', 'CloudTrailReadOnly']);
    assert.equal(created.code, 0, created.stderr);
    const profile =
      /^\[auditor\]\naws_access_key_id = (AKIA[A-Z2-7]{16})\naws_secret_access_key = (\S+)$/m.exec(
        created.stdout,
      );
    assert.ok(profile, created.stdout);
    const file = join(server.dataDir, 'auditor-credentials');
    await writeFile(file, created.stdout);
    const asAuditor = { ...server.awsEnv, AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'auditor' };

    const attached = (await awsOk(AWS_CLI_V1, [
      'iam',
      'list-attached-user-policies',
      '--user-name',
      'auditor',
    ])) as {
      AttachedPolicies: { PolicyArn: string }[];
    };
    assert.deepEqual(
      attached.AttachedPolicies.map((p) => p.PolicyArn),
      ['arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess'],
    );
    await awsOk(AWS_CLI_V2, ['cloudtrail', 'lookup-events', '--max-results', '1'], asAuditor);
    const stop = await aws(AWS_CLI_V2, ['cloudtrail', 'stop-logging', '--name', 'main'], asAuditor);
    assert.notEqual(stop.code, 0);
    assert.match(
      stop.stderr,
      /AccessDeniedException.*user\/auditor is not authorized to perform: cloudtrail:StopLogging/s,
    );

    // The shortcut went through the API: its calls are in Event history, made by the admin.
    const events = (await awsOk(AWS_CLI_V2, [
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventName,AttributeValue=CreateUser',
    ])) as { Events: { CloudTrailEvent: string }[] };
    const record = JSON.parse(events.Events[0]?.CloudTrailEvent ?? '{}') as {
      userIdentity?: { arn: string };
      requestParameters?: { userName: string };
    };
    assert.equal(record.userIdentity?.arn, `arn:aws:iam::${ACCOUNT}:user/admin`);
    assert.equal(record.requestParameters?.userName, 'auditor');
  });

  it('create-user --credentials-file adds the profile to a file, keeping its other profiles, mode 0600', async () => {
    const file = join(server.dataDir, 'team-credentials');
    await writeFile(file, '[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n', {
      mode: 0o644,
    });
    const created = await opentrail([
      'iam',
      'create-user',
      'operator',
      '--policy',
      'CloudTrailFull',
      '--profile',
      'ops',
      '--credentials-file',
      file,
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.doesNotMatch(created.stdout, /aws_secret_access_key/, 'the secret goes to the file only');
    const text = await readFile(file, 'utf8');
    assert.match(text, /^\[other\]$/m);
    assert.match(text, /^\[ops\]\naws_access_key_id = AKIA/m);
    assert.equal(((await stat(file)).mode & 0o777).toString(8), '600');
    const identity = (await awsOk(AWS_CLI_V1, ['sts', 'get-caller-identity'], {
      ...server.awsEnv,
      AWS_SHARED_CREDENTIALS_FILE: file,
      AWS_PROFILE: 'ops',
    })) as { Arn: string };
    assert.equal(identity.Arn, `arn:aws:iam::${ACCOUNT}:user/operator`);

    const refused = await opentrail([
      'iam',
      'create-user',
      'x',
      '--policy',
      'ReadOnly',
      '--credentials-file',
      join(server.dataDir, 'credentials'),
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /rewritten by the server at every start/);
    const unknown = await opentrail(['iam', 'create-user', 'y', '--policy', 'Everything']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /ReadOnly, CloudTrailReadOnly, CloudTrailFull, Admin/);
  });

  it('enable-mfa --root shows the secret, takes two codes and enables the root device', async () => {
    const result = await enableMfa(['--root'], (seed) => {
      const step = stepNow();
      return [totp(seed, step - 2), totp(seed, step - 1)];
    });
    assert.equal(result.code, 0, result.stderr);
    const serial = `arn:aws:iam::${ACCOUNT}:mfa/root-account-mfa-device`;
    assert.match(result.stdout, new RegExp(`^Serial: +${serial}$`, 'm'));
    assert.match(result.stdout, /^otpauth URI: otpauth:\/\/totp\/.+\?secret=[A-Z2-7]{32}&issuer=/m);
    assert.match(result.stdout, new RegExp(`Enabled ${serial} for the root user`));
    const listed = (await awsOk(AWS_CLI_V2, ['iam', 'list-mfa-devices'], rootEnv())) as {
      MFADevices: { SerialNumber: string }[];
    };
    assert.deepEqual(
      listed.MFADevices.map((d) => d.SerialNumber),
      [serial],
    );
    const enabled = (await awsOk(AWS_CLI_V2, [
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventName,AttributeValue=EnableMFADevice',
    ])) as { Events: { CloudTrailEvent: string }[] };
    const record = JSON.parse(enabled.Events[0]?.CloudTrailEvent ?? '{}') as {
      userIdentity?: { type: string };
    };
    assert.equal(record.userIdentity?.type, 'Root');
  });

  it('enable-mfa --user enables a device for a user, and removes the device when the codes are wrong', async () => {
    const refused = await enableMfa(['--user', 'auditor'], () => ['123456', '654321']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /InvalidAuthenticationCode/);
    const left = (await awsOk(AWS_CLI_V2, ['iam', 'list-virtual-mfa-devices'])) as {
      VirtualMFADevices: { SerialNumber: string }[];
    };
    assert.ok(
      !left.VirtualMFADevices.some((d) => d.SerialNumber.endsWith(':mfa/auditor')),
      'the device that was not enabled is gone',
    );

    const result = await enableMfa(['--user', 'auditor'], (seed) => {
      const step = stepNow();
      return [totp(seed, step - 2), totp(seed, step - 1)];
    });
    assert.equal(result.code, 0, result.stderr);
    const serial = `arn:aws:iam::${ACCOUNT}:mfa/auditor`;
    assert.match(result.stdout, new RegExp(`Enabled ${serial} for auditor`));
    const listed = (await awsOk(AWS_CLI_V1, ['iam', 'list-mfa-devices', '--user-name', 'auditor'])) as {
      MFADevices: { SerialNumber: string; UserName: string }[];
    };
    assert.deepEqual(
      listed.MFADevices.map((d) => [d.UserName, d.SerialNumber]),
      [['auditor', serial]],
    );
  });
});
