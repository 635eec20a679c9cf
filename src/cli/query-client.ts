/**
 * Calls to the server's IAM and STS APIs (AWS query protocol: a SigV4-signed form POST to `/`, an
 * XML answer) for the `opentrail iam` commands, so that what they change goes through the API and
 * is audited like any call. A failed call throws QueryError with the AWS error code and message.
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { XMLParser } from 'fast-xml-parser';
import type { Credentials } from './credentials.ts';

/** The two query-protocol services the CLI calls, with their API versions. */
const API_VERSIONS = { iam: '2010-05-08', sts: '2011-06-15' } as const;
export type QueryService = keyof typeof API_VERSIONS;

/**
 * An AWS error answer: `code` is the error code (`EntityAlreadyExists`, `AccessDenied`, …); the
 * message starts with it, as the CLI prints it (`opentrail: AccessDenied: User: … is not …`).
 */
export class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number,
  ) {
    super(`${code}: ${message}`);
  }
}

// Every element is read as text (IDs of digits stay strings); lists of one stay lists below.
const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

/** A list member of a query-protocol answer (`<Things><member>…</member></Things>`) as an array. */
export function membersOf(value: unknown): Record<string, unknown>[] {
  if (value === undefined || value === '' || value === null) return [];
  const member = (value as { member?: unknown }).member;
  if (member === undefined) return [];
  return (Array.isArray(member) ? member : [member]) as Record<string, unknown>[];
}

export class QueryClient {
  private readonly signer: SignatureV4;
  private readonly url: URL;

  /** IAM is global: its calls are signed for us-east-1, as the AWS CLI signs them. */
  constructor(
    endpointUrl: string,
    private readonly service: QueryService,
    private readonly region: string,
    credentials: Credentials,
  ) {
    this.url = new URL('/', endpointUrl);
    this.signer = new SignatureV4({ service, region, credentials, sha256: Hash.bind(null, 'sha256') });
  }

  /** Runs `action` with `params` (undefined ones left out); answers the `<ActionResult>` element. */
  async call(
    action: string,
    params: Record<string, string | undefined> = {},
  ): Promise<Record<string, unknown>> {
    const form = new URLSearchParams({ Action: action, Version: API_VERSIONS[this.service] });
    for (const [name, value] of Object.entries(params)) if (value !== undefined) form.set(name, value);
    const body = form.toString();
    const request = new HttpRequest({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port ? { port: Number(this.url.port) } : {}),
      path: '/',
      headers: {
        host: this.url.host,
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      },
      body,
    });
    const signed = await this.signer.sign(request, { signingRegion: this.region });
    const response = await fetch(this.url, { method: 'POST', headers: signed.headers, body });
    const text = await response.text();
    let answer: Record<string, unknown>;
    try {
      answer = parser.parse(text) as Record<string, unknown>;
    } catch {
      throw new QueryError(
        'InvalidResponse',
        `not an XML answer (HTTP ${response.status}): ${text}`,
        response.status,
      );
    }
    if (!response.ok) {
      const error = (answer.ErrorResponse as { Error?: { Code?: string; Message?: string } } | undefined)
        ?.Error;
      throw new QueryError(error?.Code ?? `HTTP${response.status}`, error?.Message ?? text, response.status);
    }
    const result = (answer[`${action}Response`] as Record<string, unknown> | undefined)?.[`${action}Result`];
    return typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : {};
  }
}
