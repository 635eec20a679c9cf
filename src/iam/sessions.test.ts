import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ServiceError } from '../errors.ts';
import { LocalKeyProvider } from '../local/index.ts';
import { Authenticator } from './authenticator.ts';
import type { AccessKeyRecord } from './principal.ts';
import { SessionTokens, type SessionCredentials } from './sessions.ts';
import type { SignedRequest } from './sigv4.ts';

const KEY: AccessKeyRecord = {
  accessKeyId: 'AKIASESSIONTEST00001',
  secretAccessKey: 'session-test-secret',
  accountId: '111122223333',
  userName: 'alice',
  userId: 'AIDASESSIONTEST00001',
  status: 'Active',
};
const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

async function signed(credentials: SessionCredentials, body = '{}'): Promise<SignedRequest> {
  const signer = new SignatureV4({
    service: 'cloudtrail',
    region: 'us-east-1',
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
    sha256: Hash.bind(null, 'sha256'),
  });
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    path: '/',
    headers: {
      host: '127.0.0.1',
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'X.LookupEvents',
    },
    body,
  });
  const r = (await signer.sign(request, { signingDate: new Date(NOW) })) as HttpRequest;
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = [v];
  return { method: 'POST', rawPath: '/', rawQuery: '', headers, body: Buffer.from(body) };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ServiceError, String(error));
    return error.code;
  }
  return 'no error';
}

describe('STS session credentials', () => {
  let dir = '';
  let sessions: SessionTokens;
  let authenticator: Authenticator;
  const alice = {
    accountId: KEY.accountId,
    userName: KEY.userName,
    userId: KEY.userId,
    arn: `arn:aws:iam::${KEY.accountId}:user/alice`,
    accessKeyId: KEY.accessKeyId,
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opentrail-sessions-'));
    sessions = new SessionTokens(await LocalKeyProvider.open(dir));
    authenticator = new Authenticator([KEY], sessions);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('signs requests as the user, with an ASIA key, and says when MFA was verified', async () => {
    const credentials = sessions.issue(alice, { nowMs: NOW, durationS: 3600, mfaAuthenticatedMs: NOW });
    assert.match(credentials.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
    const call = authenticator.authenticate(await signed(credentials), ['cloudtrail'], NOW + 1000);
    assert.equal(call.principal.arn, alice.arn);
    assert.equal(call.principal.accessKeyId, credentials.accessKeyId);
    assert.equal(call.principal.session?.mfaAuthenticatedMs, NOW);
    assert.equal(call.principal.session?.sourceAccessKeyId, KEY.accessKeyId);
  });

  it('carries a role session: its role, session name, tags and session policies, and the key it was made with', async () => {
    const role = {
      roleName: 'auditor',
      roleId: 'AROASESSIONTEST00001',
      roleArn: `arn:aws:iam::${KEY.accountId}:role/ops/auditor`,
      sessionName: 'audit-session',
    };
    const assumed = {
      accountId: KEY.accountId,
      userName: 'auditor',
      userId: `${role.roleId}:audit-session`,
      arn: `arn:aws:sts::${KEY.accountId}:assumed-role/auditor/audit-session`,
      accessKeyId: '',
    };
    const policy =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail:Get*","Resource":"*"}]}';
    const credentials = sessions.issue(assumed, {
      nowMs: NOW,
      durationS: 3600,
      roleSession: {
        role,
        tags: { team: 'audit' },
        policy,
        policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      },
      sourceAccessKeyId: KEY.accessKeyId,
    });
    const call = authenticator.authenticate(await signed(credentials), ['cloudtrail'], NOW + 1000);
    assert.equal(call.principal.arn, assumed.arn);
    assert.equal(call.principal.userId, assumed.userId);
    assert.equal(call.principal.accessKeyId, credentials.accessKeyId);
    assert.deepEqual(call.principal.session?.role, role);
    assert.deepEqual(call.principal.session?.tags, { team: 'audit' });
    assert.equal(call.principal.session?.policy, policy);
    assert.deepEqual(call.principal.session?.policyArns, ['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    assert.equal(call.principal.session?.sourceAccessKeyId, KEY.accessKeyId);
    assert.equal(call.principal.session?.mfaAuthenticatedMs, undefined);
    assert.equal(credentials.expiresMs, NOW + 3_600_000);
  });

  it('answers ExpiredTokenException once the session has expired', async () => {
    const credentials = sessions.issue(alice, { nowMs: NOW - 3_600_000, durationS: 900 });
    const request = await signed(credentials);
    assert.equal(
      codeOf(() => authenticator.authenticate(request, ['cloudtrail'], NOW)),
      'ExpiredTokenException',
    );
  });

  it('refuses a changed token, and a token presented with another key', () => {
    const credentials = sessions.issue(alice, { nowMs: NOW, durationS: 900 });
    const changed = { ...credentials, sessionToken: credentials.sessionToken.slice(0, -4) + 'AAAA' };
    assert.equal(
      codeOf(() => authenticator.authenticate(signedSync(changed), ['cloudtrail'], NOW)),
      'UnrecognizedClientException',
    );
    const other = sessions.issue(alice, { nowMs: NOW, durationS: 900 });
    const swapped = { ...credentials, sessionToken: other.sessionToken };
    assert.equal(
      codeOf(() => authenticator.authenticate(signedSync(swapped), ['cloudtrail'], NOW)),
      'UnrecognizedClientException',
    );
  });

  it('refuses any session token when no sessions are issued', async () => {
    const credentials = sessions.issue(alice, { nowMs: NOW, durationS: 900 });
    const request = await signed(credentials);
    assert.equal(
      codeOf(() => new Authenticator([KEY]).authenticate(request, ['cloudtrail'], NOW)),
      'UnrecognizedClientException',
    );
  });

  /** A request whose token is checked before its signature: the signature need not hold. */
  function signedSync(credentials: SessionCredentials): SignedRequest {
    const auth = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20261204/us-east-1/cloudtrail/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=00`;
    return {
      method: 'POST',
      rawPath: '/',
      rawQuery: '',
      headers: {
        host: ['127.0.0.1'],
        'x-amz-date': ['20261204T120000Z'],
        'x-amz-security-token': [credentials.sessionToken],
        authorization: [auth],
      },
      body: Buffer.from('{}'),
    };
  }
});
