import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditJournalContract, intentFor } from '../ingest/audit-journal.contract.ts';
import { AUDIT_JOURNAL_FILE, FileAuditJournal } from './file-audit-journal.ts';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'opentrail-audit-journal-'));
  dirs.push(dir);
  return dir;
}

describe('FileAuditJournal', () => {
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  auditJournalContract(async () => {
    const dir = await freshDir();
    const journal = await FileAuditJournal.open(dir);
    return {
      journal,
      reopen: async () => {
        await journal.close();
        return FileAuditJournal.open(dir);
      },
    };
  });

  it('keeps its file 0600 in the data directory, one line of JSON per intent', async () => {
    const dir = await freshDir();
    const journal = await FileAuditJournal.open(dir);
    await journal.write(intentFor('a'));
    const path = join(dir, AUDIT_JOURNAL_FILE);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(
      (await readFile(path, 'utf8'))
        .split('\n')
        .map((l) => (l ? (JSON.parse(l) as { eventId: string }).eventId : l)),
      ['a', ''],
    );
    await journal.close();
  });

  it('skips a line cut short by a crash, and the next intent starts a line of its own', async () => {
    const dir = await freshDir();
    const first = await FileAuditJournal.open(dir);
    await first.write(intentFor('whole-1'));
    await first.write(intentFor('whole-2'));
    await first.close();
    await appendFile(join(dir, AUDIT_JOURNAL_FILE), JSON.stringify(intentFor('torn')).slice(0, 40));
    const second = await FileAuditJournal.open(dir);
    assert.equal(second.skippedLines, 1);
    assert.deepEqual(
      (await second.pending()).map((i) => i.eventId),
      ['whole-1', 'whole-2'],
    );
    await second.write(intentFor('after'));
    await second.close();
    const third = await FileAuditJournal.open(dir);
    assert.equal(third.skippedLines, 0);
    assert.deepEqual(
      (await third.pending()).map((i) => i.eventId),
      ['whole-1', 'whole-2', 'after'],
    );
    await third.close();
  });

  it('skips lines that are not intents (damaged text, other JSON) and keeps the rest', async () => {
    const dir = await freshDir();
    const good = JSON.stringify(intentFor('good'));
    await writeFile(join(dir, AUDIT_JOURNAL_FILE), `not json\n{"eventId":5}\n${good}\n[]\n`);
    const journal = await FileAuditJournal.open(dir);
    assert.equal(journal.skippedLines, 3);
    assert.deepEqual(await journal.pending(), [intentFor('good')]);
    await journal.close();
    assert.equal(await readFile(join(dir, AUDIT_JOURNAL_FILE), 'utf8'), `${good}\n`);
  });

  it('empties its file once no intent is pending', async () => {
    const dir = await freshDir();
    const journal = await FileAuditJournal.open(dir);
    await Promise.all([journal.write(intentFor('x')), journal.write(intentFor('y'))]);
    await journal.drop(['x']);
    assert.ok((await stat(join(dir, AUDIT_JOURNAL_FILE))).size > 0, 'y is still pending');
    await journal.drop(['y']);
    assert.equal((await stat(join(dir, AUDIT_JOURNAL_FILE))).size, 0);
    await journal.write(intentFor('z'));
    await journal.close();
    const again = await FileAuditJournal.open(dir);
    assert.deepEqual(
      (await again.pending()).map((i) => i.eventId),
      ['z'],
    );
    await again.close();
  });

  it('rewrites a file grown past 1 MiB that holds little still pending', async () => {
    const dir = await freshDir();
    const journal = await FileAuditJournal.open(dir);
    await journal.write(intentFor('long-running'));
    const big = { blob: 'x'.repeat(10_000) };
    const ids = Array.from({ length: 120 }, (_, i) => `done-${i}`);
    for (const id of ids) await journal.write(intentFor(id, { requestParameters: big }));
    assert.ok((await stat(join(dir, AUDIT_JOURNAL_FILE))).size > 1024 * 1024);
    await journal.drop(ids);
    assert.equal(
      await readFile(join(dir, AUDIT_JOURNAL_FILE), 'utf8'),
      `${JSON.stringify(intentFor('long-running'))}\n`,
    );
    await journal.write(intentFor('next'));
    assert.deepEqual(
      (await journal.pending()).map((i) => i.eventId),
      ['long-running', 'next'],
    );
    await journal.close();
  });

  it('refuses a write once closed', async () => {
    const journal = await FileAuditJournal.open(await freshDir());
    await journal.close();
    await journal.close();
    await assert.rejects(journal.write(intentFor('late')), /closed/);
  });
});
