/**
 * The admin listener: `GET /metrics` in the Prometheus text format, on an address of its own
 * (`--metrics-address`), apart from the API. It answers without SigV4, so it is off unless asked
 * for, and meant for a loopback or otherwise private address: its labels name trails and event
 * data stores (account IDs, trail names), which is more than every local user should read.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

/** Where the admin listener binds. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** What the admin listener serves. */
export interface MetricsSource {
  contentType: string;
  metrics(): Promise<string>;
}

export interface AdminServer {
  /** `http://host:port`, the bound port when 0 was asked for. */
  url: string;
  close(): Promise<void>;
}

export const METRICS_PATH = '/metrics';

/** A scrape is small; a slow or stuck client is cut off instead of holding a socket. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Scrapers are few; more connections than this are refused. */
const MAX_CONNECTIONS = 32;

export async function startAdminServer(
  address: ListenAddress,
  source: MetricsSource,
  logger: Logger,
): Promise<AdminServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== METRICS_PATH) {
      res
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`Not found; try ${METRICS_PATH}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end();
      return;
    }
    source.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': source.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'collecting metrics failed');
        res
          .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
          .end('collecting metrics failed\n');
      },
    );
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'metrics listener failed'));
  const { port } = server.address() as AddressInfo;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
