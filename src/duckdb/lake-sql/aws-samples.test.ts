import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LakeQueryError } from './errors.ts';
import { INVICTUS_STORE, openLakeFixture, type LakeFixture } from './test-support.ts';

interface Sample {
  file: string;
  sql: string;
}
const fixtures = join(import.meta.dirname, 'fixtures');
const samples = (
  JSON.parse(readFileSync(join(fixtures, 'cloud-trail-lake-query-samples.json'), 'utf8')) as {
    samples: Sample[];
  }
).samples;
const docs = (
  JSON.parse(readFileSync(join(fixtures, 'lake-docs-examples.json'), 'utf8')) as {
    examples: { name: string; sql: string; columns?: string[] }[];
  }
).examples;

/** The samples that cannot run, and why; each must be refused with InvalidQueryStatementException. */
const CANNOT_RUN: Record<string, string> = {
  'ConfigTableCreation.sql': 'Athena DDL (CREATE EXTERNAL TABLE), not a Lake query',
  'ConfigItemCountQuery.sql':
    'an Athena query over default.awsconfig (the table ConfigTableCreation.sql creates) and "$path"',
  'iam-idc-authenticate-api.sql': 'malformed: FROM FROM',
  'list-all-errors-for-s3-events.sql': 'malformed: the query is followed by "example:" and a second copy',
  'list-all-events-not-in-authorized-region.sql': 'malformed: the query is followed by ":" and a second copy',
  'list-attempted-s3-requests..sql': 'malformed: "requestParametersORDER BY" lacks a space',
  'list-publicly-accessible-rds-instances.sql': 'malformed: the query is written twice back to back',
  'network-activity-events-vpce-access-denied-s3.sql':
    'invalid in Trino too: selects userIdentity.username, eventType, eventCategory, errorCode without grouping or aggregating them',
  'ssm-patch-compliance-all-ec2-instances-time-range.sql':
    'needs an AWS Config configuration-item store (eventData.resourceType, eventData.configuration)',
  'ssm-patch-compliance-all-ec2-instances.sql': 'needs an AWS Config configuration-item store',
  'ssm-patch-compliance-distinct-ec2-instance-latest.sql': 'needs an AWS Config configuration-item store',
  'ssm-patch-compliance-selected-ec2-instance-time-range.sql': 'needs an AWS Config configuration-item store',
  'ssm-patch-compliance-selected-ec2-instance.sql': 'needs an AWS Config configuration-item store',
  'top-errors.sql': 'malformed: "errorMessageORDER BY eventCount DESCLIMIT 10" lacks spaces',
  'top-s3-actions.sql': 'malformed: "eventNameORDER BY" lacks a space',
};

/** Puts a real store ID where each sample has its placeholder. */
function withStore(sql: string, store = INVICTUS_STORE): string {
  return sql
    .replace(
      /<EDS ID>|<EDS_ID>|\$EDS_ID|<event_data_store_id>|<event-data-store-ID>|<Event data store Id>|config_event_data_store_ID|event_data_store_ID/g,
      store,
    )
    .replaceAll('${date_filter}', '2023-07-10 12:00:00');
}

/** Widens every eventTime bound to cover the dataset (2023-07-10 11:42..12:08 UTC). */
function overDataset(sql: string): string {
  return sql.replace(/eventTime\s*(>=?|<=?)\s*'[^']*'/gi, (_m, op: string) =>
    op.startsWith('>') ? `eventTime ${op} '2023-07-01 00:00:00'` : `eventTime ${op} '2023-08-01 00:00:00'`,
  );
}

function sample(file: string): string {
  const found = samples.find((s) => s.file === file);
  assert.ok(found, file);
  return withStore(found.sql);
}

type Rec = Record<string, unknown> & {
  eventSource?: string;
  eventName?: string;
  awsRegion?: string;
  recipientAccountId?: string;
  sourceIPAddress?: string;
  userIdentity?: {
    principalId?: string;
    type?: string;
    sessionContext?: { sessionIssuer?: { userName?: string; arn?: string } };
  };
  resources?: { ARN?: string }[];
  requestParameters?: Record<string, unknown> | null;
};

function countBy(records: Rec[], key: (r: Rec) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of records) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
  return m;
}

describe('AWS sample queries (aws-samples/cloud-trail-lake-query-samples)', () => {
  let fx: LakeFixture;
  let records: Rec[];
  before(async () => {
    fx = await openLakeFixture();
    records = fx.invictus;
  });
  after(() => fx.close());

  test('every sample either runs or is on the pinned cannot-run list, refused with InvalidQueryStatementException', async () => {
    const refused: string[] = [];
    for (const s of samples) {
      try {
        await fx.query(withStore(s.sql));
        assert.ok(!(s.file in CANNOT_RUN), `${s.file} ran but is listed as unable to run`);
      } catch (error) {
        assert.ok(error instanceof LakeQueryError, `${s.file}: ${String(error)}`);
        assert.equal(error.code, 'InvalidQueryStatementException', s.file);
        refused.push(s.file);
      }
    }
    assert.deepEqual(refused.sort(), Object.keys(CANNOT_RUN).sort());
    assert.equal(samples.length - refused.length, 57);
  });

  test('logs-by-region.sql counts events per region and service as JS does', async () => {
    const { rows, columns } = await fx.query(overDataset(sample('logs-by-region.sql')));
    assert.deepEqual(columns, ['awsRegion', 'eventSource', 'apiCount']);
    const expected = countBy(records, (r) => `${r.awsRegion}|${r.eventSource}`);
    assert.equal(rows.length, expected.size);
    for (const [region, source, count] of rows)
      assert.equal(Number(count), expected.get(`${String(region)}|${String(source)}`));
    const counts = rows.map((r) => Number(r[2]));
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => b - a),
      'ORDER BY apiCount DESC',
    );
  });

  test('top-iam-actions-by-principal.sql groups IAM calls by action, account and principal', async () => {
    const { rows, columns } = await fx.query(sample('top-iam-actions-by-principal.sql'));
    assert.deepEqual(columns, ['apiCount', 'eventName', 'recipientAccountId', 'principalid']);
    const iam = records.filter(
      (r) => r.eventSource === 'iam.amazonaws.com' && r.userIdentity?.principalId != null,
    );
    const expected = countBy(
      iam,
      (r) => `${r.eventName}|${r.recipientAccountId}|${r.userIdentity?.principalId}`,
    );
    assert.ok(expected.size > 3);
    assert.equal(rows.length, expected.size);
    for (const [count, name, account, principal] of rows) {
      assert.equal(Number(count), expected.get(`${String(name)}|${String(account)}|${String(principal)}`));
    }
  });

  test('list-all-manually-created-resources.sql keeps the rows Trino would (NULL NOT IN ... is not true)', async () => {
    const { rows } = await fx.query(sample('list-all-manually-created-resources.sql'));
    const expected = records.filter((r) => {
      const issuer = r.userIdentity?.sessionContext?.sessionIssuer?.userName;
      return (
        /Create|Update|Put|Delete/.test(r.eventName ?? '') &&
        r.resources != null &&
        issuer != null &&
        !issuer.startsWith('AWSServiceRole') &&
        issuer !== '' &&
        r.sourceIPAddress !== 'cloudformation.amazonaws.com'
      );
    });
    assert.ok(expected.length > 0);
    assert.equal(rows.length, expected.length);
  });

  test('SelfAssumeRole.sql compares a struct field with element_at(resources, 1).arn', async () => {
    const { rows, columns } = await fx.query(sample('SelfAssumeRole.sql'));
    assert.deepEqual(columns, ['eventid', 'eventtime', 'RoleARN', 'RoleIdColonRoleSessionName']);
    const expected = records.filter(
      (r) =>
        r.eventSource === 'sts.amazonaws.com' &&
        r.eventName === 'AssumeRole' &&
        r.userIdentity?.type === 'AssumedRole' &&
        r.errorCode == null &&
        r.userIdentity.sessionContext?.sessionIssuer?.arn === r.resources?.[0]?.ARN,
    );
    assert.equal(rows.length, expected.length);
  });

  test('ec2-security-historical-changes.sql: UNION ALL with json_extract_scalar over a map value', async () => {
    const { rows, columns } = await fx.query(overDataset(sample('ec2-security-historical-changes.sql')));
    assert.equal(columns[0], 'securityGroup');
    const expected = records.filter(
      (r) => r.eventName === 'AuthorizeSecurityGroupIngress' || r.eventName === 'ModifySecurityGroupRules',
    );
    assert.equal(rows.length, expected.length);
    const groups = new Set(
      expected.map((r) => {
        const p = r.requestParameters ?? {};
        const modify = p.ModifySecurityGroupRulesRequest as { GroupId?: string } | undefined;
        return String(modify ? modify.GroupId : p.groupId);
      }),
    );
    assert.deepEqual(new Set(rows.map((r) => String(r[0]))), groups);
  });

  test('tag-history-by-resource.sql reads eventJson with JSONPath array subscripts', async () => {
    const { rows } = await fx.query(sample('tag-history-by-resource.sql'));
    type Tagged = {
      resourcesSet?: { items?: { resourceId?: string }[] };
      tagSet?: { items?: { key?: string }[] };
    };
    const expected = records
      .filter((r) => r.eventName === 'CreateTags' || r.eventName === 'DeleteTags')
      .map((r) => {
        const p = (r.requestParameters ?? {}) as Tagged;
        return `${p.resourcesSet?.items?.[0]?.resourceId ?? null}|${p.tagSet?.items?.[0]?.key ?? null}`;
      })
      .sort();
    assert.deepEqual(rows.map((r) => `${String(r[2])}|${String(r[5])}`).sort(), expected);
  });
});

describe('query examples from the CloudTrail Lake docs', () => {
  let fx: LakeFixture;
  before(async () => {
    fx = await openLakeFixture();
  });
  after(() => fx.close());

  for (const example of docs) {
    test(`runs "${example.name}" and names its columns as Lake does`, async () => {
      const sql = withStore(example.sql).replace('eds-ID', INVICTUS_STORE).replace('< =', '<=');
      const { columns } = await fx.query(overDataset(sql));
      if (example.columns) assert.deepEqual(columns, example.columns);
    });
  }

  test('the multi-store example reads both stores', async () => {
    const example = docs.find((d) => d.name.startsWith('multi-table'));
    assert.ok(example);
    const { rows } = await fx.query(example.sql.replace('LIMIT 10', ''));
    // (A UNION B) UNION ALL C, with A and C the invictus store and B the stratus store.
    const pairs = new Set(
      [...fx.invictus, ...fx.stratus].map((r) => `${String(r.eventID)}|${String(r.eventName)}`),
    );
    assert.equal(rows.length, pairs.size + fx.invictus.length);
  });
});
