/**
 * Start-up: once the server accepts connections it authenticates every valid key. A request that
 * reaches it earlier than its keys must never get UnrecognizedClientException, which the AWS SDKs
 * treat as final (it is not in their retryable error lists).
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeTempDir, spawnServer, type ChildServer } from './helpers/server.ts';
import { apiRequest, createSigner, signAndSend } from './helpers/signed-fetch.ts';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

async function stop(server: ChildServer): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}

function credentialsFrom(text: string): { accessKeyId: string; secretAccessKey: string } {
  const id = /aws_access_key_id = (\S+)/.exec(text)?.[1];
  const secret = /aws_secret_access_key = (\S+)/.exec(text)?.[1];
  assert.ok(id && secret, `no key in ${text}`);
  return { accessKeyId: id, secretAccessKey: secret };
}

describe('server start-up', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('never answers a valid admin key with UnrecognizedClientException while it starts', async () => {
    const dataDir = await makeTempDir('opentrail-startup-');
    dirs.push(dataDir);
    // The first start creates the account and its admin key; the second is the one under test.
    await stop(await spawnServer(dataDir));
    const credentials = credentialsFrom(await readFile(join(dataDir, 'credentials'), 'utf8'));
    const signer = createSigner(credentials);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;

    const answers = new Map<string, number>();
    let refused = 0;
    let running = true;
    let successes = 0;
    const hammer = async (): Promise<void> => {
      while (running) {
        try {
          const response = await signAndSend(url, signer, apiRequest(url, 'DescribeTrails'));
          const type =
            response.status === 200 ? '200' : (JSON.parse(response.text) as { __type: string }).__type;
          answers.set(type, (answers.get(type) ?? 0) + 1);
          if (response.status === 200) successes++;
        } catch {
          refused++; // not listening yet
          await new Promise((r) => setImmediate(r));
        }
      }
    };
    const clients = Array.from({ length: 8 }, () => hammer());
    const server = await spawnServer(dataDir, ['--port', String(port)]);
    try {
      while (successes < 50) await new Promise((r) => setTimeout(r, 5));
    } finally {
      running = false;
      await Promise.all(clients);
      await stop(server);
    }
    assert.ok(refused > 0, 'the clients started before the server listened');
    assert.deepEqual([...answers.keys()], ['200'], `answers while starting: ${JSON.stringify([...answers])}`);
  });
});
