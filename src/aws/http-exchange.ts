/**
 * One HTTP request and its whole answer over node:http(s), for the lean clients that skip the AWS
 * SDK (lean-get.ts, and `opentrail validate`'s CloudTrail calls). An answer cut short, a network
 * error or the timeout, if any, rejects; any status resolves.
 */
import { request as httpRequest, type Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';

export interface HttpExchange {
  protocol: 'http:' | 'https:';
  hostname: string;
  port?: number | string | undefined;
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  agent: HttpAgent | HttpsAgent;
  /** Give up on an exchange that has not finished by then (none by default). */
  timeoutMs?: number | undefined;
}

export function exchange(e: HttpExchange): Promise<{ status: number; body: Buffer }> {
  const send = e.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      {
        protocol: e.protocol,
        hostname: e.hostname,
        port: e.port || undefined,
        method: e.method,
        path: e.path,
        headers:
          e.body === undefined
            ? e.headers
            : { ...e.headers, 'content-length': String(Buffer.byteLength(e.body)) },
        agent: e.agent,
        ...(e.timeoutMs !== undefined ? { timeout: e.timeoutMs } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        const cutShort = (): void => reject(new Error(`${e.method} ${e.hostname}: answer cut short`));
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          if (!response.complete) cutShort();
          else resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
        response.on('error', reject);
        response.on('aborted', cutShort);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${e.method} ${e.hostname}: timed out`)));
    request.on('error', reject);
    request.end(e.body);
  });
}
