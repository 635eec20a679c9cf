/** HTTP plumbing shared by the API's endpoints: bodies, AWS-style JSON answers, caller address. */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceError } from '../errors.ts';
import type { SignedRequestHead } from '../iam/index.ts';

export class BodyTooLarge extends Error {}
/** The server's budget of body bytes in flight was spent: answered 503, which SDKs retry. */
export class BodyBudgetSpent extends Error {}

/**
 * The body bytes all requests may hold in memory at once. A request reserves what it declares in
 * Content-Length (or, chunked, what arrives) before a byte is buffered; a request that does not
 * fit is refused at once instead of growing the heap.
 */
export class BodyBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  get inUse(): number {
    return this.used;
  }

  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

export interface ReadBody {
  body: Buffer;
  /** SHA-256 (hex) of the body, computed as it arrived. */
  sha256: string;
}

/**
 * Reads a body of at most `limit` bytes within `budget`, hashing it as it arrives. The bytes
 * reserved stay reserved until `release` is called (when the request is answered).
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  budget: BodyBudget,
): { done: Promise<ReadBody>; release: () => void } {
  let reserved = 0;
  const release = (): void => {
    budget.release(reserved);
    reserved = 0;
  };
  const done = new Promise<ReadBody>((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    if (declared > 0) {
      if (!budget.tryReserve(declared)) {
        reject(new BodyBudgetSpent());
        return;
      }
      reserved = declared;
    }
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: Error): void => {
      req.removeAllListeners('data');
      req.pause();
      reject(error);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        fail(new BodyTooLarge());
        return;
      }
      if (size > reserved) {
        if (!budget.tryReserve(size - reserved)) {
          fail(new BodyBudgetSpent());
          return;
        }
        reserved = size;
      }
      hash.update(chunk);
      chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks, size), sha256: hash.digest('hex') }));
    req.on('error', reject);
  });
  return { done, release };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  contentType: string,
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

/** Sends `text` as it is: an answer already written in the endpoint's protocol. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  requestId: string,
  contentType: string,
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

/** An error in AWS JSON (`__type`, `message`), or as `errorBody` writes it for other protocols. */
export function sendError(
  res: ServerResponse,
  error: ServiceError,
  requestId: string,
  contentType: string,
  errorBody?: (error: ServiceError, requestId: string) => string | { status: number; body: string },
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.setHeader('x-amzn-errortype', error.code);
  const written = errorBody?.(error, requestId);
  if (typeof written === 'string') sendText(res, error.httpStatus, written, requestId, contentType);
  else if (written) sendText(res, written.status, written.body, requestId, contentType);
  else
    sendJson(res, error.httpStatus, { __type: error.code, message: error.message }, requestId, contentType);
}

export function signedRequestHead(req: IncomingMessage): SignedRequestHead {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: req.method ?? 'GET',
    rawPath: q < 0 ? url : url.slice(0, q),
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    headers: req.headersDistinct as Record<string, string[]>,
  };
}

export function sourceIp(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
