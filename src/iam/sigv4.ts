/**
 * AWS Signature Version 4 verification, for the Authorization header and for presigned query
 * strings ("Signature Version 4 signing process", AWS General Reference). Everything here reads
 * attacker-controlled input. Error codes and messages follow what AWS JSON services return.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ServiceError } from '../errors.ts';
import { isKnownRegion } from '../events/index.ts';
import { formatAmzDate, signingKey, uriEncode } from './sigv4-primitives.ts';

export { formatAmzDate, uriEncode };

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS rejects a request whose signing time is more than 5 minutes off its own clock. */
export const MAX_SKEW_MS = 5 * 60 * 1000;
/** The longest a presigned request may stay valid (7 days), as on AWS. */
export const MAX_PRESIGN_EXPIRES_S = 604800;

export interface SignedRequest {
  method: string;
  /** The request target's path as received, still percent-encoded, without the query. */
  rawPath: string;
  /** The raw query string, without '?'. */
  rawQuery: string;
  /** Header name (lower case) → values as received. */
  headers: Record<string, string[]>;
  body: Uint8Array;
}

export interface VerifiedCaller {
  accessKeyId: string;
  region: string;
  service: string;
  signedAtMs: number;
  securityToken?: string;
}

export interface VerifyOptions {
  /** Returns the secret for an access key, or undefined when the key is unknown or inactive. */
  secretFor: (accessKeyId: string) => string | undefined;
  /**
   * The secret of temporary credentials given with a session token (X-Amz-Security-Token);
   * throws ServiceError for a token that is invalid or expired.
   */
  sessionSecretFor?: (accessKeyId: string, securityToken: string) => string | undefined;
  /** Signing names this endpoint answers to (e.g. cloudtrail). */
  services: readonly string[];
  nowMs: number;
}

const MISSING_TOKEN = 'Request is missing Authentication Token';
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function incomplete(message: string): ServiceError {
  return new ServiceError('IncompleteSignatureException', message);
}
function invalid(message: string): ServiceError {
  return new ServiceError('InvalidSignatureException', message);
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Query parameters as received: decoded names and values in order. */
export function parseQuery(rawQuery: string): [string, string][] {
  if (rawQuery === '') return [];
  return rawQuery.split('&').map((part) => {
    const eq = part.indexOf('=');
    return eq < 0
      ? [decodeComponent(part), '']
      : [decodeComponent(part.slice(0, eq)), decodeComponent(part.slice(eq + 1))];
  });
}

function canonicalQuery(params: [string, string][]): string {
  return params
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Non-S3 services normalise the path and encode each segment a second time. */
function canonicalUri(rawPath: string): string {
  const out: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const path =
    '/' +
    out
      .map((s) => uriEncode(decodeComponent(s)))
      .map((s) => uriEncode(s))
      .join('/');
  return rawPath.endsWith('/') && out.length > 0 ? `${path}/` : path;
}

function canonicalHeaderValue(values: string[]): string {
  return values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',');
}

/** ISO 8601 basic format: 20260131T235959Z. */
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function parseAmzDate(value: string): number | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) ? undefined : ms;
}

interface AuthParts {
  credential: string;
  signedHeaders: string;
  signature: string;
  amzDate: string;
  presigned: boolean;
  expiresS?: number;
  securityToken?: string;
}

function first(headers: Record<string, string[]>, name: string): string | undefined {
  return headers[name]?.[0];
}

function headerAuth(request: SignedRequestHead, authorization: string): AuthParts {
  if (!authorization.startsWith('AWS4-'))
    throw new ServiceError('MissingAuthenticationTokenException', MISSING_TOKEN);
  const space = authorization.indexOf(' ');
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw incomplete(`Unsupported AWS 'algorithm': '${algorithm}' (only ${ALGORITHM} for now). `);
  }
  const fields = new Map<string, string>();
  for (const part of (space < 0 ? '' : authorization.slice(space + 1)).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const amzDate = first(request.headers, 'x-amz-date') ?? first(request.headers, 'date');
  let missing = '';
  if (!fields.get('Credential')) missing += "Authorization header requires 'Credential' parameter. ";
  if (!fields.get('Signature')) missing += "Authorization header requires 'Signature' parameter. ";
  if (!fields.get('SignedHeaders')) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!amzDate)
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  if (missing) throw incomplete(`${missing}Authorization=${authorization}`);
  let date = amzDate as string;
  if (!first(request.headers, 'x-amz-date')) {
    // An RFC 1123 Date header is allowed in place of X-Amz-Date.
    const ms = Date.parse(date);
    if (!Number.isNaN(ms)) date = formatAmzDate(ms);
  }
  const token = first(request.headers, 'x-amz-security-token');
  return {
    credential: fields.get('Credential') as string,
    signedHeaders: fields.get('SignedHeaders') as string,
    signature: fields.get('Signature') as string,
    amzDate: date,
    presigned: false,
    ...(token !== undefined ? { securityToken: token } : {}),
  };
}

function queryAuth(params: Map<string, string>): AuthParts {
  let missing = '';
  for (const p of [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Signature',
    'X-Amz-SignedHeaders',
    'X-Amz-Date',
  ]) {
    if (!params.get(p)) missing += `AWS query-string parameters must include '${p}'. `;
  }
  if (missing) throw incomplete(`${missing}Re-examine the query-string parameters.`);
  const algorithm = params.get('X-Amz-Algorithm') as string;
  if (algorithm !== ALGORITHM) {
    throw incomplete(`Unsupported AWS 'algorithm': '${algorithm}' (only ${ALGORITHM} for now). `);
  }
  const expires = params.get('X-Amz-Expires');
  let expiresS: number | undefined;
  if (expires !== undefined) {
    expiresS = Number(expires);
    if (!/^\d+$/.test(expires) || expiresS < 1 || expiresS > MAX_PRESIGN_EXPIRES_S) {
      throw incomplete(
        `X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_PRESIGN_EXPIRES_S}, got '${expires}'.`,
      );
    }
  }
  const token = params.get('X-Amz-Security-Token');
  return {
    credential: params.get('X-Amz-Credential') as string,
    signedHeaders: params.get('X-Amz-SignedHeaders') as string,
    signature: params.get('X-Amz-Signature') as string,
    amzDate: params.get('X-Amz-Date') as string,
    presigned: true,
    ...(expiresS !== undefined ? { expiresS } : {}),
    ...(token !== undefined ? { securityToken: token } : {}),
  };
}

/**
 * The service a request's SigV4 credential scope names (`Credential=KEY/DATE/REGION/SERVICE/…` in
 * the Authorization header or X-Amz-Credential in the query), unverified: it only picks which
 * endpoint verifies the request. Undefined when the request carries no credential scope.
 */
export function credentialScopeService(head: SignedRequestHead): string | undefined {
  const authorization = first(head.headers, 'authorization');
  let credential: string | undefined;
  if (authorization !== undefined) {
    credential = /Credential=([^,\s]+)/.exec(authorization)?.[1];
  } else if (head.rawQuery.includes('X-Amz-Credential=')) {
    credential = new Map(parseQuery(head.rawQuery)).get('X-Amz-Credential');
  }
  return credential?.split('/')[3];
}

/** A request as its headers arrived, before its body is read. */
export type SignedRequestHead = Omit<SignedRequest, 'body'>;

/**
 * What the headers of a request proved: the scope, the key and the signing time hold, and what is
 * left to check is the signature over the body. When the client declared the body's SHA-256 in a
 * signed `x-amz-content-sha256`, the signature is already checked against it and only the body's
 * hash is left to compare.
 */
export interface PendingSignature {
  caller: VerifiedCaller;
  /** The canonical request without its last line (the payload hash). */
  canonicalHead: string;
  scope: string;
  amzDate: string;
  key: Buffer;
  signature: string;
  /** The signed, declared payload hash the signature was already checked with. */
  checkedHash?: string;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * Headers a client may leave unsigned: the ones SigV4 signers leave out (botocore: expect,
 * user-agent, x-amzn-trace-id; the JS SDK also hop-by-hop headers), and x-amz-content-sha256,
 * which is checked against the body whether signed or not. Every other x-amz-* header present,
 * X-Amz-Target above all, must be signed: otherwise it could be changed after signing.
 */
const UNSIGNED_AMZ_HEADERS = new Set(['x-amz-content-sha256']);

/**
 * Checks everything the headers of a request can prove (authentication parts, signing time,
 * credential scope, signed headers, the access key) without its body, so that an unsigned or
 * badly signed request is refused before its body is read. Throws ServiceError with AWS's code.
 */
export function beginSigV4(request: SignedRequestHead, options: VerifyOptions): PendingSignature {
  const query = parseQuery(request.rawQuery);
  const queryMap = new Map(query);
  const authorization = first(request.headers, 'authorization');
  const hasQueryAuth = queryMap.has('X-Amz-Algorithm');
  if (authorization !== undefined && hasQueryAuth) {
    throw invalid("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
  }
  if (authorization === undefined && !hasQueryAuth) {
    throw new ServiceError('MissingAuthenticationTokenException', MISSING_TOKEN);
  }
  const auth = hasQueryAuth ? queryAuth(queryMap) : headerAuth(request, authorization as string);
  const signedAtMs = parseAmzDate(auth.amzDate);
  if (signedAtMs === undefined) {
    throw incomplete(
      `Date must be in ISO-8601 'basic format'. Got '${auth.amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  const now = formatAmzDate(options.nowMs);
  if (auth.presigned) {
    if (signedAtMs - options.nowMs > MAX_SKEW_MS) {
      throw invalid(
        `Signature not yet current: ${auth.amzDate} is still later than ${formatAmzDate(options.nowMs + MAX_SKEW_MS)} (${now} + 5 min.)`,
      );
    }
    const expiresAt = signedAtMs + (auth.expiresS ?? MAX_PRESIGN_EXPIRES_S) * 1000;
    if (options.nowMs > expiresAt) {
      throw invalid(
        `Signature expired: ${formatAmzDate(expiresAt)} is now earlier than ${now} (X-Amz-Date + X-Amz-Expires).`,
      );
    }
  } else if (options.nowMs - signedAtMs > MAX_SKEW_MS) {
    throw invalid(
      `Signature expired: ${auth.amzDate} is now earlier than ${formatAmzDate(options.nowMs - MAX_SKEW_MS)} (${now} - 5 min.)`,
    );
  } else if (signedAtMs - options.nowMs > MAX_SKEW_MS) {
    throw invalid(
      `Signature not yet current: ${auth.amzDate} is still later than ${formatAmzDate(options.nowMs + MAX_SKEW_MS)} (${now} + 5 min.)`,
    );
  }

  const scope = auth.credential.split('/');
  if (scope.length !== 5) {
    throw incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${auth.credential}'`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  let scopeProblems = '';
  if (!isKnownRegion(region))
    scopeProblems += `Credential should be scoped to a valid region, not '${region}'. `;
  if (!options.services.includes(service)) {
    scopeProblems += `Credential should be scoped to correct service: '${options.services[0] ?? ''}'. `;
  }
  if (terminator !== 'aws4_request') {
    scopeProblems += `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'. `;
  }
  if (date !== auth.amzDate.slice(0, 8)) {
    scopeProblems += `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${auth.amzDate.slice(0, 8)}', from '${auth.amzDate}'.`;
  }
  if (scopeProblems) throw invalid(scopeProblems.trim());

  const signedHeaders = auth.signedHeaders.split(';');
  if (!signedHeaders.includes('host'))
    throw invalid("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  if (
    !auth.presigned &&
    first(request.headers, 'x-amz-date') !== undefined &&
    !signedHeaders.includes('x-amz-date')
  ) {
    throw invalid("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (
    !auth.presigned &&
    first(request.headers, 'x-amz-date') === undefined &&
    !signedHeaders.includes('date')
  ) {
    throw invalid("'Date' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const unsigned = Object.keys(request.headers)
    .filter(
      (name) => name.startsWith('x-amz-') && !UNSIGNED_AMZ_HEADERS.has(name) && !signedHeaders.includes(name),
    )
    .sort();
  if (unsigned.length > 0) {
    throw invalid(`There were headers present in the request which were not signed: ${unsigned.join(', ')}`);
  }

  // A session token names its own secret (sessionSecretFor); without that option none is valid.
  const secret =
    auth.securityToken === undefined
      ? options.secretFor(accessKeyId)
      : options.sessionSecretFor?.(accessKeyId, auth.securityToken);
  if (secret === undefined) {
    throw new ServiceError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  }

  const headerLines = signedHeaders.map((name) => {
    const values = request.headers[name];
    return `${name}:${values ? canonicalHeaderValue(values) : ''}\n`;
  });
  const canonicalHead = [
    request.method.toUpperCase(),
    canonicalUri(request.rawPath),
    canonicalQuery(auth.presigned ? query.filter(([k]) => k !== 'X-Amz-Signature') : query),
    headerLines.join(''),
    auth.signedHeaders,
  ].join('\n');
  const pending: PendingSignature = {
    caller: {
      accessKeyId,
      region,
      service,
      signedAtMs,
      ...(auth.securityToken !== undefined ? { securityToken: auth.securityToken } : {}),
    },
    canonicalHead,
    scope: `${date}/${region}/${service}/aws4_request`,
    amzDate: auth.amzDate,
    key: signingKey(secret, date, region, service),
    signature: auth.signature,
  };
  const declared = first(request.headers, 'x-amz-content-sha256');
  if (declared !== undefined && signedHeaders.includes('x-amz-content-sha256') && HEX_SHA256.test(declared)) {
    checkSignature(pending, declared);
    pending.checkedHash = declared;
  }
  return pending;
}

function checkSignature(pending: PendingSignature, payloadHash: string): void {
  const stringToSign = [
    ALGORITHM,
    pending.amzDate,
    pending.scope,
    sha256Hex(`${pending.canonicalHead}\n${payloadHash}`),
  ].join('\n');
  const expected = createHmac('sha256', pending.key).update(stringToSign).digest();
  const given = Buffer.from(pending.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid(MISMATCH);
}

/**
 * Finishes what beginSigV4 started, given the SHA-256 (hex) of the body as received. The payload
 * hash signed is always the body's own: a signature over UNSIGNED-PAYLOAD or over another hash
 * does not cover this body and does not match.
 */
export function completeSigV4(pending: PendingSignature, bodyHash: string): VerifiedCaller {
  if (pending.checkedHash !== undefined) {
    if (pending.checkedHash !== bodyHash) {
      throw invalid('The provided x-amz-content-sha256 header does not match what was computed.');
    }
  } else {
    checkSignature(pending, bodyHash);
  }
  return pending.caller;
}

/** Verifies a request's SigV4 signature; throws ServiceError with AWS's code when it does not hold. */
export function verifySigV4(request: SignedRequest, options: VerifyOptions): VerifiedCaller {
  return completeSigV4(beginSigV4(request, options), sha256Hex(request.body));
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
