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
import { awsCli, keyEnv } from './helpers/aws-cli.ts';
import { AWS_CLI_V1, AWS_CLI_V2 } from './helpers/run.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

interface Credentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}

describe('virtual MFA devices and STS sessions', () => {
  let server: TestServer;
  const { cli, ok } = awsCli(() => server);

  before(async () => {
    server = await startTestServer({ accountId: '123456789012' });
  });
  after(() => server.dispose());

  it('creates a device, enables it with two consecutive codes and gets an MFA session (CLI v1)', async () => {
    const seedFile = join(server.dataDir, 'seed.txt');
    const created = await ok<{ VirtualMFADevice: { SerialNumber: string } }>(AWS_CLI_V1, [
      'iam',
      'create-virtual-mfa-device',
      '--virtual-mfa-device-name',
      'admin-phone',
      '--outfile',
      seedFile,
      '--bootstrap-method',
      'Base32StringSeed',
    ]);
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
    const listed = await ok<{
      MFADevices: { SerialNumber: string; UserName: string }[];
    }>(AWS_CLI_V1, ['iam', 'list-mfa-devices', '--user-name', 'admin']);
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

    const session = await ok<{ Credentials: Credentials }>(AWS_CLI_V1, [
      'sts',
      'get-session-token',
      '--serial-number',
      serial,
      '--token-code',
      totp(seed, stepNow()),
      '--duration-seconds',
      '900',
    ]);
    assert.match(session.Credentials.AccessKeyId, /^ASIA/);
    const expiresMs = Date.parse(session.Credentials.Expiration);
    assert.ok(Math.abs(expiresMs - (Date.now() + 900_000)) < 60_000, session.Credentials.Expiration);

    const env = keyEnv(server.awsEnv, session.Credentials);
    const identity = await ok<{
      Arn: string;
      Account: string;
    }>(AWS_CLI_V2, ['sts', 'get-caller-identity'], env);
    assert.equal(identity.Arn, 'arn:aws:iam::123456789012:user/admin');
    assert.equal(identity.Account, '123456789012');

    await ok(AWS_CLI_V2, ['cloudtrail', 'list-trails'], env);
    const events = await ok<{ Events: { CloudTrailEvent: string }[] }>(AWS_CLI_V2, [
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventName,AttributeValue=ListTrails',
    ]);
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
    const created = await ok<{ VirtualMFADevice: { SerialNumber: string } }>(AWS_CLI_V2, [
      'iam',
      'create-virtual-mfa-device',
      '--virtual-mfa-device-name',
      'spare',
      '--outfile',
      png,
      '--bootstrap-method',
      'QRCodePNG',
    ]);
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
    const unassigned = await ok<{ VirtualMFADevices: { SerialNumber: string }[] }>(AWS_CLI_V2, [
      'iam',
      'list-virtual-mfa-devices',
      '--assignment-status',
      'Unassigned',
    ]);
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
