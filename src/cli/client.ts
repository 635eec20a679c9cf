/**
 * How CLI commands reach the running server: over its API (the database has one writer), with
 * credentials from `<data-dir>/credentials` (profile opentrail) or the standard AWS chain.
 */
import { randomUUID } from 'node:crypto';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RecordResponse } from '../api/index.ts';
import { resolveCredentials, type Credentials } from './credentials.ts';

export { resolveCredentials, type Credentials } from './credentials.ts';

export interface ClientOptions {
  endpointUrl: string;
  dataDir: string;
  region: string;
}

export async function cloudTrailClient(options: ClientOptions): Promise<CloudTrailClient> {
  return new CloudTrailClient({
    endpoint: options.endpointUrl,
    region: options.region,
    credentials: await resolveCredentials(options.dataDir),
    maxAttempts: 3,
  });
}

/** Sends one batch body to POST /v1/records, SigV4-signed for the cloudtrail service. */
export class RecordClient {
  private readonly signer: SignatureV4;
  private readonly url: URL;

  constructor(
    endpointUrl: string,
    private readonly region: string,
    credentials: Credentials,
  ) {
    this.url = new URL('/v1/records', endpointUrl);
    this.signer = new SignatureV4({
      service: 'cloudtrail',
      region,
      credentials,
      sha256: Hash.bind(null, 'sha256'),
    });
  }

  static async create(options: ClientOptions): Promise<RecordClient> {
    return new RecordClient(options.endpointUrl, options.region, await resolveCredentials(options.dataDir));
  }

  async send(body: string): Promise<RecordResponse> {
    // One key for the batch and each of its resends: records without an eventID then get the
    // same IDs every time, and a resend after a lost answer records nothing twice.
    const idempotencyKey = randomUUID();
    for (let attempt = 1; ; attempt++) {
      const request = new HttpRequest({
        method: 'POST',
        protocol: this.url.protocol,
        hostname: this.url.hostname,
        ...(this.url.port ? { port: Number(this.url.port) } : {}),
        path: this.url.pathname,
        headers: {
          host: this.url.host,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body,
      });
      const signed = await this.signer.sign(request, { signingRegion: this.region });
      let response: Response;
      try {
        response = await fetch(this.url, { method: 'POST', headers: signed.headers, body });
      } catch (error) {
        // A batch is idempotent by eventID, so resending after a lost answer records nothing twice.
        if (attempt < 5) {
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          continue;
        }
        throw error;
      }
      const text = await response.text();
      if (response.ok) return JSON.parse(text) as RecordResponse;
      if (response.status >= 500 && attempt < 5) {
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        continue;
      }
      let message = text;
      try {
        const error = JSON.parse(text) as { __type?: string; message?: string };
        message = `${error.__type ?? 'Error'}: ${error.message ?? ''}`;
      } catch {
        // not JSON: report the text as it came
      }
      throw new Error(`recording failed (HTTP ${response.status}): ${message}`);
    }
  }
}
