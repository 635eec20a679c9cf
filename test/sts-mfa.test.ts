/**
 * Virtual MFA devices and STS sessions through the AWS CLI v1 and v2 against the real server:
 * create a device (its seed to a file, Base32 or a QR code PNG), enable it with two consecutive
 * codes, get an MFA session with GetSessionToken, and call CloudTrail with it — the call's record
 * says mfaAuthenticated "true". The codes are computed here from RFC 6238, not by OpenTrail.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { base32 } from '@scure/base';
import { stepNow, totp } from './helpers/mfa.ts';
import { AWS_CLI_V1, AWS_CLI_V2, run } from './helpers/run.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

interface Credentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}

describe('virtual MFA devices and STS sessions', () => {
  let server: TestServer;
  const cli = async (aws: string, args: string[], env: NodeJS.ProcessEnv = server.awsEnv) => {
    const result = await run(aws, [...args, '--endpoint-url', server.url, '--output', 'json'], { env });
    return result;
  };
  const ok = async (aws: string, args: string[], env?: NodeJS.ProcessEnv): Promise<unknown> => {
    const result = await cli(aws, args, env);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim() === '' ? {} : JSON.parse(result.stdout);
  };

  before(async () => {
    server = await startTestServer({ accountId: '123456789012' });
  });
  after(() => server.dispose());

  it('creates a device, enables it with two consecutive codes and gets an MFA session (CLI v1)', async () => {
    const seedFile = join(server.dataDir, 'seed.txt');
    const created = (await ok(AWS_CLI_V1, [
      'iam',
      'create-virtual-mfa-device',
      '--virtual-mfa-device-name',
      'admin-phone',
      '--outfile',
      seedFile,
      '--bootstrap-method',
      'Base32StringSeed',
    ])) as { VirtualMFADevice: { SerialNumber: string } };
    const serial = created.VirtualMFADevice.SerialNumber;
    assert.equal(serial, 'arn:aws:iam::123456789012:mfa/admin-phone');
    const seedText = (await readFile(seedFile, 'utf8')).trim();
    assert.match(seedText, /^[A-Z2-7]{32}$/, 'a 160-bit seed in Base32');
    const seed = base32.decode(seedText);

    // Two consecutive codes, the later one of the step before now: the current step stays unused.
    const step = stepNow();
    await ok(AWS_CLI_V1, [
      'iam',
      'enable-mfa-device',
      '--user-name',
      'admin',
      '--serial-number',
      serial,
      '--authentication-code1',
      totp(seed, step - 2),
      '--authentication-code2',
      totp(seed, step - 1),
    ]);
    const listed = (await ok(AWS_CLI_V1, ['iam', 'list-mfa-devices', '--user-name', 'admin'])) as {
      MFADevices: { SerialNumber: string; UserName: string }[];
    };
    assert.deepEqual(
      listed.MFADevices.map((d) => [d.UserName, d.SerialNumber]),
      [['admin', serial]],
    );

    const wrong = await cli(AWS_CLI_V1, [
      'sts',
      'get-session-token',
      '--serial-number',
      serial,
      '--token-code',
      totp(seed, step - 1),
    ]);
    assert.notEqual(wrong.code, 0, 'a code already used is refused');
    assert.match(
      wrong.stderr,
      /AccessDenied.*MultiFactorAuthentication failed with invalid MFA one time pass code/s,
    );

    const session = (await ok(AWS_CLI_V1, [
      'sts',
      'get-session-token',
      '--serial-number',
      serial,
      '--token-code',
      totp(seed, stepNow()),
      '--duration-seconds',
      '900',
    ])) as { Credentials: Credentials };
    assert.match(session.Credentials.AccessKeyId, /^ASIA/);
    const expiresMs = Date.parse(session.Credentials.Expiration);
    assert.ok(Math.abs(expiresMs - (Date.now() + 900_000)) < 60_000, session.Credentials.Expiration);

    const { AWS_PROFILE: _profile, ...base } = server.awsEnv;
    const env = {
      ...base,
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_ACCESS_KEY_ID: session.Credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: session.Credentials.SecretAccessKey,
      AWS_SESSION_TOKEN: session.Credentials.SessionToken,
    };
    const identity = (await ok(AWS_CLI_V2, ['sts', 'get-caller-identity'], env)) as {
      Arn: string;
      Account: string;
    };
    assert.equal(identity.Arn, 'arn:aws:iam::123456789012:user/admin');
    assert.equal(identity.Account, '123456789012');

    await ok(AWS_CLI_V2, ['cloudtrail', 'list-trails'], env);
    const events = (await ok(AWS_CLI_V2, [
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventName,AttributeValue=ListTrails',
    ])) as { Events: { CloudTrailEvent: string }[] };
    const record = JSON.parse(events.Events[0]?.CloudTrailEvent ?? '{}') as {
      userIdentity: { accessKeyId: string; sessionContext?: { attributes: { mfaAuthenticated: string } } };
    };
    assert.equal(record.userIdentity.accessKeyId, session.Credentials.AccessKeyId);
    assert.equal(record.userIdentity.sessionContext?.attributes.mfaAuthenticated, 'true');

    const again = await cli(AWS_CLI_V2, ['sts', 'get-session-token'], env);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /Cannot call GetSessionToken with session credentials/);
  });

  it('writes the seed as a QR code PNG, refuses codes that are not consecutive, and deletes a free device (CLI v2)', async () => {
    const png = join(server.dataDir, 'qr.png');
    const created = (await ok(AWS_CLI_V2, [
      'iam',
      'create-virtual-mfa-device',
      '--virtual-mfa-device-name',
      'spare',
      '--outfile',
      png,
      '--bootstrap-method',
      'QRCodePNG',
    ])) as { VirtualMFADevice: { SerialNumber: string } };
    const bytes = await readFile(png);
    assert.deepEqual(
      [...bytes.subarray(0, 8)],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      'a PNG file',
    );
    const refused = await cli(AWS_CLI_V2, [
      'iam',
      'enable-mfa-device',
      '--user-name',
      'admin',
      '--serial-number',
      created.VirtualMFADevice.SerialNumber,
      '--authentication-code1',
      '123456',
      '--authentication-code2',
      '654321',
    ]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /InvalidAuthenticationCode/);
    const unassigned = (await ok(AWS_CLI_V2, [
      'iam',
      'list-virtual-mfa-devices',
      '--assignment-status',
      'Unassigned',
    ])) as { VirtualMFADevices: { SerialNumber: string }[] };
    assert.deepEqual(
      unassigned.VirtualMFADevices.map((d) => d.SerialNumber),
      [created.VirtualMFADevice.SerialNumber],
    );
    await ok(AWS_CLI_V2, [
      'iam',
      'delete-virtual-mfa-device',
      '--serial-number',
      created.VirtualMFADevice.SerialNumber,
    ]);
  });
});
