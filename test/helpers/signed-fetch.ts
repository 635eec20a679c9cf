/**
 * Raw SigV4-signed HTTP calls to OpenTrail with fetch, for tests that need control over every
 * byte and header (bad bodies, skewed clocks, tampered signatures) that the AWS SDK would not send.
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export const REGION = 'us-east-1';
export const JSON_11 = 'application/x-amz-json-1.1';
export const TARGET_PREFIX = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

export function createSigner(credentials: SigningCredentials, region = REGION): SignatureV4 {
  return new SignatureV4({
    service: 'cloudtrail',
    region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
  });
}

export interface RequestInit {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** An unsigned request to `endpointUrl`, with the host header SigV4 needs. */
export function buildRequest(endpointUrl: string, init: RequestInit = {}): HttpRequest {
  const url = new URL(init.path ?? '/', endpointUrl);
  return new HttpRequest({
    method: init.method ?? 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    headers: { host: url.host, ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
}

/** A CloudTrail JSON 1.1 API request for `operation` (no X-Amz-Target when operation is undefined). */
export function apiRequest(
  endpointUrl: string,
  operation: string | undefined,
  body: string | Uint8Array = '{}',
): HttpRequest {
  return buildRequest(endpointUrl, {
    headers: {
      'content-type': JSON_11,
      ...(operation !== undefined ? { 'x-amz-target': `${TARGET_PREFIX}${operation}` } : {}),
    },
    body,
  });
}

/** RFC 3986 encoding, as SigV4 canonicalises query strings. */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Sends `request` (signed or not) as it stands: its headers, query and body, nothing rewritten. */
export async function sendRequest(endpointUrl: string, request: HttpRequest): Promise<RawResponse> {
  const url = new URL(request.path, endpointUrl);
  const query = Object.entries(request.query ?? {}).flatMap(([k, v]) =>
    (Array.isArray(v) ? v : [v]).map((item) => `${encodeRfc3986(k)}=${encodeRfc3986(String(item ?? ''))}`),
  );
  const target = query.length > 0 ? `${url.origin}${url.pathname}?${query.join('&')}` : url.href;
  const body = request.body as string | Uint8Array | undefined;
  const response = await fetch(target, {
    method: request.method,
    headers: request.headers,
    ...(body !== undefined ? { body } : {}),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Signs `request` with `signer` and sends it. */
export async function signAndSend(
  endpointUrl: string,
  signer: SignatureV4,
  request: HttpRequest,
  options: { signingDate?: Date } = {},
): Promise<RawResponse> {
  const signed = (await signer.sign(request, options)) as HttpRequest;
  return sendRequest(endpointUrl, signed);
}
