import { describe } from 'node:test';
import { digestJournalContract } from './digest-journal.contract.ts';
import { MemoryDigestJournal } from './memory-digest-journal.ts';

describe('MemoryDigestJournal', () => {
  digestJournalContract(() => Promise.resolve(new MemoryDigestJournal()));
});
