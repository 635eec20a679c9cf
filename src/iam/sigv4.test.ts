import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ServiceError } from '../errors.ts';
import { formatAmzDate, uriEncode, verifySigV4, type SignedRequest } from './sigv4.ts';

const KEY = {
  accessKeyId: 'AKIAEXAMPLEEXAMPLE01',
  secretAccessKey: 'secret/secret+secret/secret+secret/secret',
};
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const BODY = '{"MaxResults":5}';

function signer(secret = KEY.secretAccessKey): SignatureV4 {
  return new SignatureV4({
    service: 'cloudtrail',
    region: 'eu-west-1',
    credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: secret },
    sha256: Hash.bind(null, 'sha256'),
  });
}

function baseRequest(path = '/', query: Record<string, string> = {}): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4599,
    path,
    query,
    headers: {
      host: '127.0.0.1:4599',
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'X.LookupEvents',
    },
    body: BODY,
  });
}

function toSigned(r: HttpRequest, body = BODY): SignedRequest {
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = [v];
  const rawQuery = Object.entries(r.query ?? {})
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(String(v))}`)
    .join('&');
  return { method: r.method, rawPath: r.path, rawQuery, headers, body: Buffer.from(body) };
}

function verify(request: SignedRequest, nowMs = NOW) {
  return verifySigV4(request, {
    services: ['cloudtrail'],
    nowMs,
    secretFor: (id) => (id === KEY.accessKeyId ? KEY.secretAccessKey : undefined),
  });
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ServiceError, String(error));
    return `${error.code}: ${error.message}`;
  }
  return 'no error';
}

describe('verifySigV4()', () => {
  it('accepts a request signed by the AWS SDK signer and reports the credential scope region', async () => {
    const signed = await signer().sign(baseRequest(), { signingDate: new Date(NOW) });
    const caller = verify(toSigned(signed as HttpRequest));
    assert.equal(caller.accessKeyId, KEY.accessKeyId);
    assert.equal(caller.region, 'eu-west-1');
    assert.equal(caller.service, 'cloudtrail');
  });

  it('accepts paths and query strings that need encoding', async () => {
    const signed = await signer().sign(baseRequest('/v1/records', { 'a b': 'c/d', z: '~x*' }), {
      signingDate: new Date(NOW),
    });
    assert.equal(verify(toSigned(signed as HttpRequest)).region, 'eu-west-1');
  });

  it('rejects a body changed after signing', async () => {
    const signed = await signer().sign(baseRequest(), { signingDate: new Date(NOW) });
    assert.match(
      code(() => verify(toSigned(signed as HttpRequest, '{"MaxResults":50}'))),
      /^InvalidSignatureException: /,
    );
  });

  it('rejects a signature made with another secret', async () => {
    const signed = await signer('wrong').sign(baseRequest(), { signingDate: new Date(NOW) });
    assert.match(
      code(() => verify(toSigned(signed as HttpRequest))),
      /^InvalidSignatureException/,
    );
  });

  it('rejects an unknown access key with UnrecognizedClientException', async () => {
    const signed = await signer().sign(baseRequest(), { signingDate: new Date(NOW) });
    const request = toSigned(signed as HttpRequest);
    request.headers.authorization = [
      request.headers.authorization![0]!.replace(KEY.accessKeyId, 'AKIAUNKNOWNUNKNOWN00'),
    ];
    assert.equal(
      code(() => verify(request)),
      'UnrecognizedClientException: The security token included in the request is invalid.',
    );
  });

  it('rejects a signing time more than 5 minutes in the past or future', async () => {
    const signed = await signer().sign(baseRequest(), { signingDate: new Date(NOW) });
    assert.match(
      code(() => verify(toSigned(signed as HttpRequest), NOW + 6 * 60_000)),
      /^InvalidSignatureException: Signature expired: 20261124T120000Z is now earlier than/,
    );
    assert.match(
      code(() => verify(toSigned(signed as HttpRequest), NOW - 6 * 60_000)),
      /^InvalidSignatureException: Signature not yet current/,
    );
    assert.equal(verify(toSigned(signed as HttpRequest), NOW + 4 * 60_000).region, 'eu-west-1');
  });

  it('answers a request with no signature with MissingAuthenticationTokenException', () => {
    const request = toSigned(baseRequest());
    assert.equal(
      code(() => verify(request)),
      'MissingAuthenticationTokenException: Request is missing Authentication Token',
    );
  });

  it('names each missing part of an incomplete Authorization header', () => {
    const request = toSigned(baseRequest());
    request.headers.authorization = [
      'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEEXAMPLE01/20261124/us-east-1/cloudtrail/aws4_request',
    ];
    const message = code(() => verify(request));
    assert.match(message, /^IncompleteSignatureException: /);
    assert.match(message, /requires 'Signature' parameter/);
    assert.match(message, /requires 'SignedHeaders' parameter/);
    assert.match(message, /'X-Amz-Date' or a 'Date' header/);
  });

  it('rejects a credential scope for another service or a malformed scope', async () => {
    const other = new SignatureV4({
      service: 's3',
      region: 'us-east-1',
      credentials: KEY,
      sha256: Hash.bind(null, 'sha256'),
    });
    const signed = await other.sign(baseRequest(), { signingDate: new Date(NOW) });
    assert.match(
      code(() => verify(toSigned(signed as HttpRequest))),
      /^InvalidSignatureException: Credential should be scoped to correct service: 'cloudtrail'/,
    );
    const request = toSigned(signed as HttpRequest);
    request.headers.authorization = [
      request.headers.authorization![0]!.replace(/Credential=[^,]+/, 'Credential=a/b/c/d'),
    ];
    assert.match(
      code(() => verify(request)),
      /^IncompleteSignatureException: Credential must have exactly 5 slash-delimited elements/,
    );
  });

  it('accepts a presigned request and rejects it once X-Amz-Expires has passed', async () => {
    const presigned = await signer().presign(baseRequest(), { signingDate: new Date(NOW), expiresIn: 60 });
    const request = toSigned(presigned as HttpRequest);
    assert.equal(verify(request, NOW + 30_000).region, 'eu-west-1');
    assert.match(
      code(() => verify(request, NOW + 61_000)),
      /^InvalidSignatureException: Signature expired/,
    );
  });

  it('rejects both header and query-string authentication at once', async () => {
    const presigned = await signer().presign(baseRequest(), { signingDate: new Date(NOW), expiresIn: 60 });
    const request = toSigned(presigned as HttpRequest);
    request.headers.authorization = ['AWS4-HMAC-SHA256 Credential=x'];
    assert.match(
      code(() => verify(request)),
      /^InvalidSignatureException: Found both/,
    );
  });

  it('rejects a session token, since OpenTrail issues none', async () => {
    const withToken = new SignatureV4({
      service: 'cloudtrail',
      region: 'us-east-1',
      credentials: { ...KEY, sessionToken: 'tok' },
      sha256: Hash.bind(null, 'sha256'),
    });
    const signed = await withToken.sign(baseRequest(), { signingDate: new Date(NOW) });
    assert.match(
      code(() => verify(toSigned(signed as HttpRequest))),
      /^UnrecognizedClientException/,
    );
  });
});

describe('formatAmzDate()', () => {
  it('writes ISO 8601 basic format', () => {
    assert.equal(formatAmzDate(NOW), '20261124T120000Z');
  });
});
