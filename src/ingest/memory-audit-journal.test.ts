import { describe } from 'node:test';
import { auditJournalContract } from './audit-journal.contract.ts';
import { MemoryAuditJournal } from './memory-audit-journal.ts';

describe('MemoryAuditJournal', () => {
  auditJournalContract(() => Promise.resolve({ journal: new MemoryAuditJournal() }));
});
