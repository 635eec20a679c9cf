import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { resourcePolicyStoreContract } from '../query/resource-policy-store.contract.ts';
import { DuckDbDatabase } from './database.ts';
import { DuckDbResourcePolicyStore } from './duckdb-resource-policy-store.ts';

describe('DuckDbResourcePolicyStore', () => {
  const dirs: string[] = [];
  const open: DuckDbDatabase[] = [];
  after(async () => {
    for (const db of open) db.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  resourcePolicyStoreContract(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opentrail-resource-policies-'));
    dirs.push(dir);
    const path = join(dir, 'db.duckdb');
    let db = await DuckDbDatabase.open(path);
    open.push(db);
    const store = await DuckDbResourcePolicyStore.open(db);
    return {
      store,
      reopen: async () => {
        db.close();
        open.splice(open.indexOf(db), 1);
        db = await DuckDbDatabase.open(path);
        open.push(db);
        return DuckDbResourcePolicyStore.open(db);
      },
    };
  });
});
