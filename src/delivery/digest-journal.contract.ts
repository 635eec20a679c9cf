/**
 * One contract, run unchanged against every DigestJournal adapter (in memory and DuckDB). Each
 * adapter's test file calls this with a factory for a fresh, empty journal.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DigestChain, DigestJournal, JournalFile } from './digest-journal.ts';

const TRAIL = 'arn:aws:cloudtrail:us-east-1:111111111111:trail/t';
const OTHER_TRAIL = 'arn:aws:cloudtrail:us-east-1:111111111111:trail/other';

function file(key: string, extra: Partial<JournalFile> = {}): JournalFile {
  return {
    trailArn: TRAIL,
    accountId: '111111111111',
    region: 'us-east-1',
    bucket: 'logs',
    key,
    sha256: `sha-of-${key}`,
    oldestEventMs: 1000,
    newestEventMs: 2000,
    deliveredAtMs: 3000,
    ...extra,
  };
}

export function digestJournalContract(make: () => Promise<DigestJournal>): void {
  it('recordFiles() gives entries increasing ids, and a replayed key keeps its id with the new hash', async () => {
    const journal = await make();
    assert.equal(await journal.maxFileId(TRAIL), 0n);
    await journal.recordFiles([file('a'), file('b')]);
    await journal.recordFiles([file('x', { trailArn: OTHER_TRAIL })]);
    await journal.recordFiles([file('a', { sha256: 'replayed', newestEventMs: 2500 }), file('c')]);
    const entries = await journal.filesThrough(TRAIL, 0n, await journal.maxFileId(TRAIL));
    assert.deepEqual(
      entries.map((e) => [e.key, e.sha256, e.newestEventMs]),
      [
        ['a', 'replayed', 2500],
        ['b', 'sha-of-b', 2000],
        ['c', 'sha-of-c', 2000],
      ],
    );
    const [a, b, c] = entries.map((e) => e.id);
    assert.ok(a !== undefined && b !== undefined && c !== undefined && a < b && b < c);
    assert.equal(await journal.maxFileId(TRAIL), c);
    assert.deepEqual(
      (await journal.filesThrough(TRAIL, a, b)).map((e) => e.key),
      ['b'],
    );
    assert.deepEqual(
      (await journal.filesThrough(OTHER_TRAIL, 0n, 1_000_000n)).map((e) => e.key),
      ['x'],
    );
    assert.deepEqual(entries[1], { ...file('b'), id: b });
  });

  it('plan() is kept until commitRound(), which saves the chains and forgets the digested files', async () => {
    const journal = await make();
    assert.equal(await journal.state(TRAIL), undefined);
    await journal.recordFiles([file('a'), file('b')]);
    const through = await journal.maxFileId(TRAIL);
    await journal.plan(TRAIL, { endMs: 60_000, throughId: through });
    assert.deepEqual(await journal.state(TRAIL), {
      trailArn: TRAIL,
      digestedThroughId: 0n,
      planned: { endMs: 60_000, throughId: through },
    });
    await journal.recordFiles([file('c')]);
    const chain: DigestChain = {
      trailArn: TRAIL,
      accountId: '111111111111',
      region: 'us-east-1',
      startMs: 60_000,
      previous: { bucket: 'logs', key: 'digest-1', hashValue: 'h1', signature: 's1' },
    };
    const west: DigestChain = {
      ...chain,
      region: 'us-west-2',
      previous: { ...chain.previous!, key: 'digest-w' },
    };
    await journal.commitRound({ trailArn: TRAIL, digestedThroughId: through, lastEndMs: 60_000 }, [
      west,
      chain,
    ]);
    assert.deepEqual(await journal.state(TRAIL), {
      trailArn: TRAIL,
      digestedThroughId: through,
      lastEndMs: 60_000,
    });
    assert.deepEqual(await journal.chains(TRAIL), [chain, west], 'chains in account and region order');
    assert.deepEqual(
      (await journal.filesThrough(TRAIL, 0n, await journal.maxFileId(TRAIL))).map((e) => e.key),
      ['c'],
      'digested files are forgotten',
    );

    const next: DigestChain = { ...chain, startMs: 120_000 };
    await journal.commitRound({ trailArn: TRAIL, digestedThroughId: through, lastEndMs: 120_000 }, [next]);
    assert.deepEqual(await journal.chains(TRAIL), [next, west], 'a chain not in the round is kept');
  });

  it('endChains() ends every chain of a trail but keeps its progress; deleteTrail() forgets it all', async () => {
    const journal = await make();
    await journal.recordFiles([file('a'), file('x', { trailArn: OTHER_TRAIL })]);
    const through = await journal.maxFileId(TRAIL);
    const chain: DigestChain = {
      trailArn: TRAIL,
      accountId: '111111111111',
      region: 'us-east-1',
      startMs: 5,
    };
    await journal.commitRound({ trailArn: TRAIL, digestedThroughId: through, lastEndMs: 5 }, [chain]);
    await journal.recordFiles([file('b')]);
    await journal.plan(TRAIL, { endMs: 9, throughId: await journal.maxFileId(TRAIL) });
    await journal.endChains(TRAIL);
    assert.deepEqual(await journal.chains(TRAIL), []);
    const state = await journal.state(TRAIL);
    assert.equal(state?.lastEndMs, undefined);
    assert.equal(state?.digestedThroughId, through);
    assert.equal(state?.planned?.endMs, 9);

    await journal.deleteTrail(TRAIL);
    assert.equal(await journal.state(TRAIL), undefined);
    assert.equal(await journal.maxFileId(TRAIL), 0n);
    assert.deepEqual(
      (await journal.filesThrough(OTHER_TRAIL, 0n, 1_000_000n)).map((e) => e.key),
      ['x'],
      "another trail's files stay",
    );
  });
}
