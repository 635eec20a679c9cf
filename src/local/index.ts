/** The local file system backend: embedded buckets, the master key, organizations. Imported by main.ts and cli/ only. */
export { LocalDirObjectStore, readObjectFile } from './local-dir-object-store.ts';
export { LocalKeyProvider } from './local-key-provider.ts';
export * from './file-organizations.ts';
export { DataDirError, prepareDataDir, type PreparedDataDir } from './data-dir.ts';
export { AUDIT_JOURNAL_FILE, FileAuditJournal } from './file-audit-journal.ts';
