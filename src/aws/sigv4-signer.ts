/**
 * Signs an HTTP request with AWS Signature Version 4 in the Authorization header ("Create a
 * signed AWS API request", AWS IAM User Guide), for the few requests OpenTrail makes without the
 * AWS SDK: reading log files from S3 and the CloudTrail calls of `opentrail validate`. Loading the
 * SDK's signer takes ~50 ms, its S3 client ~1 ms of CPU per GET; a 2,000-file trail needs neither.
 * It lives with the S3 store, its main user; iam/ verifies what it signs.
 */
import { createHash, createHmac } from 'node:crypto';
import { formatAmzDate, signingKey, uriEncode } from '../iam/sigv4-primitives.ts';

/** RFC 3986 encoding as SigV4 requires (the name the lean clients use). */
export const encodeUriComponentV4 = uriEncode;

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface RequestToSign {
  method: string;
  /** The path as sent: each segment percent-encoded (RFC 3986), no query. */
  path: string;
  /** Query parameters, not encoded. */
  query?: readonly (readonly [string, string])[];
  /** Headers to send and sign (names in any case); must hold `host`. */
  headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body, or UNSIGNED-PAYLOAD (S3 only). */
  payloadHash: string;
}

export interface SigningScope {
  credentials: SigningCredentials;
  region: string;
  service: string;
  nowMs: number;
}

/** The SHA-256 of an empty body, what a GET signs. */
export const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * The request's headers with x-amz-date, x-amz-security-token (temporary credentials), for S3
 * x-amz-content-sha256, and Authorization added. S3 signs the path as sent; other services encode
 * each segment once more.
 */
export function signRequestV4(request: RequestToSign, scope: SigningScope): Record<string, string> {
  const date = formatAmzDate(scope.nowMs);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers['x-amz-date'] = date;
  if (scope.credentials.sessionToken) headers['x-amz-security-token'] = scope.credentials.sessionToken;
  if (scope.service === 's3') headers['x-amz-content-sha256'] = request.payloadHash;
  if (headers.host === undefined) throw new Error('a request to sign needs a host header');

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names
    .map((n) => `${n}:${(headers[n] as string).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalPath =
    scope.service === 's3'
      ? request.path
      : request.path
          .split('/')
          .map((segment) => encodeUriComponentV4(segment))
          .join('/');
  // Sorted by encoded name, then value (not as `name=value` strings: '=' sorts after '-').
  const canonicalQuery = (request.query ?? [])
    .map(([k, v]) => [encodeUriComponentV4(k), encodeUriComponentV4(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method,
    canonicalPath,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    request.payloadHash,
  ].join('\n');
  const credentialScope = `${date.slice(0, 8)}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    date,
    credentialScope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const key = signingKey(scope.credentials.secretAccessKey, date.slice(0, 8), scope.region, scope.service);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${scope.credentials.accessKeyId}/${credentialScope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
