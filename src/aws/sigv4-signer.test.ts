import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { verifySigV4 } from '../iam/index.ts';
import { EMPTY_PAYLOAD_SHA256, signRequestV4, type SigningCredentials } from './sigv4-signer.ts';

const CREDENTIALS: SigningCredentials = {
  accessKeyId: 'AKIAEXAMPLEEXAMPLE01',
  secretAccessKey: 'secret/secret+secret/secret+secret/secret',
};
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

/** The AWS SDK's signer on the same request: the reference. */
async function sdkAuthorization(
  service: string,
  request: {
    method: string;
    path: string;
    query?: Record<string, string>;
    headers: Record<string, string>;
    body?: string;
  },
  credentials: SigningCredentials = CREDENTIALS,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service,
    region: 'eu-west-1',
    credentials,
    sha256: Hash.bind(null, 'sha256'),
    // S3 signs the path as sent; other services encode it once more.
    uriEscapePath: service !== 's3',
    applyChecksum: service === 's3',
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'https:',
      hostname: 'example.com',
      path: request.path,
      query: request.query ?? {},
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
    }),
    { signingDate: new Date(NOW) },
  );
  return signed.headers;
}

describe('signRequestV4()', () => {
  it('signs an S3 GET as the AWS SDK does (path as sent, x-amz-content-sha256)', async () => {
    const path = '/bucket/AWSLogs/1/CloudTrail/a%20b%2Bc.json.gz';
    const headers = signRequestV4(
      { method: 'GET', path, headers: { host: 'example.com' }, payloadHash: 'UNSIGNED-PAYLOAD' },
      { credentials: CREDENTIALS, region: 'eu-west-1', service: 's3', nowMs: NOW },
    );
    const expected = await sdkAuthorization('s3', {
      method: 'GET',
      path,
      headers: { host: 'example.com', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    assert.equal(headers.authorization, expected.authorization);
    assert.equal(headers['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
  });

  it('signs query parameters sorted by name, then value, and a session token', async () => {
    const credentials = { ...CREDENTIALS, sessionToken: 'token/with+chars=' };
    const query = { 'list-type': '2', prefix: 'AWSLogs/1/', list: 'x y' };
    const headers = signRequestV4(
      {
        method: 'GET',
        path: '/bucket',
        query: Object.entries(query),
        headers: { host: 'example.com' },
        payloadHash: EMPTY_PAYLOAD_SHA256,
      },
      { credentials, region: 'eu-west-1', service: 's3', nowMs: NOW },
    );
    const expected = await sdkAuthorization(
      's3',
      {
        method: 'GET',
        path: '/bucket',
        query,
        headers: { host: 'example.com', 'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256 },
      },
      credentials,
    );
    assert.equal(headers.authorization, expected.authorization);
    assert.equal(headers['x-amz-security-token'], credentials.sessionToken);
  });

  it('signs a JSON 1.1 POST that the server verifies, and not once the body changes', () => {
    const body = '{"trailNameList":["audit"]}';
    const request = {
      method: 'POST',
      path: '/',
      headers: {
        host: '127.0.0.1:4599',
        'content-type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails',
      },
      payloadHash: createHash('sha256').update(body).digest('hex'),
    };
    const headers = signRequestV4(request, {
      credentials: CREDENTIALS,
      region: 'eu-west-1',
      service: 'cloudtrail',
      nowMs: NOW,
    });
    const received = (sent: string) => ({
      method: 'POST',
      rawPath: '/',
      rawQuery: '',
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      body: Buffer.from(sent),
    });
    const options = {
      secretFor: (id: string) => (id === CREDENTIALS.accessKeyId ? CREDENTIALS.secretAccessKey : undefined),
      services: ['cloudtrail'],
      nowMs: NOW,
    };
    const caller = verifySigV4(received(body), options);
    assert.equal(caller.accessKeyId, CREDENTIALS.accessKeyId);
    assert.equal(caller.region, 'eu-west-1');
    assert.throws(() => verifySigV4(received(`${body} `), options), /signature/i);
  });

  it('refuses a request without a host header', () => {
    assert.throws(
      () =>
        signRequestV4(
          { method: 'GET', path: '/', headers: {}, payloadHash: EMPTY_PAYLOAD_SHA256 },
          { credentials: CREDENTIALS, region: 'eu-west-1', service: 's3', nowMs: NOW },
        ),
      /host/,
    );
  });
});
