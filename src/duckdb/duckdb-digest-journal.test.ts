import { after, describe } from 'node:test';
import { digestJournalContract } from '../delivery/digest-journal.contract.ts';
import { DuckDbDatabase } from './database.ts';
import { DuckDbDigestJournal } from './duckdb-digest-journal.ts';

describe('DuckDbDigestJournal', () => {
  const open: DuckDbDatabase[] = [];
  after(() => {
    for (const db of open) db.close();
  });

  digestJournalContract(async () => {
    const db = await DuckDbDatabase.open(':memory:', { readers: 1, threads: 1 });
    open.push(db);
    return DuckDbDigestJournal.open(db);
  });
});
