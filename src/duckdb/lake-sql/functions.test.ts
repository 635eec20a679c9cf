import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBListValue, DuckDBMapValue, DuckDBStructValue, DuckDBTimestampValue } from '@duckdb/node-api';
import { formatDouble, formatLakeValue } from './format-value.ts';
import { jodaFormatToStrftime, mysqlFormatToStrftime } from './datetime-formats.ts';
import { quoteStoreIds } from './store-ids.ts';
import { javaReplacementToRe2 } from './java-replacement.ts';
import { INVICTUS_STORE, STRATUS_STORE, openLakeFixture, type LakeFixture } from './test-support.ts';

const S = INVICTUS_STORE;

describe('Trino function semantics on DuckDB', () => {
  let fx: LakeFixture;
  /** The first row of `SELECT <exprs> FROM <store> LIMIT 1`, values as getRowsJson gives them. */
  let one: (exprs: string) => Promise<unknown[]>;
  before(async () => {
    fx = await openLakeFixture();
    one = async (exprs) => (await fx.query(`SELECT ${exprs} FROM ${S} LIMIT 1`)).rows[0] ?? [];
  });
  after(() => fx.close());

  test('date_diff counts whole units elapsed, as Trino does (DuckDB counts boundaries)', async () => {
    assert.deepEqual(
      await one(
        `date_diff('day', TIMESTAMP '2023-01-01 23:00:00', TIMESTAMP '2023-01-02 01:00:00'),
         date_diff('hour', TIMESTAMP '2023-01-01 10:59:00', TIMESTAMP '2023-01-01 12:58:00'),
         date_diff('month', DATE '2023-01-31', DATE '2023-02-28')`,
      ),
      // Joda, which Trino uses, counts Jan 31 → Feb 28 as one month (end-of-month rule), as DuckDB does.
      ['0', '1', '1'],
    );
  });

  test('date_add(unit, n, ts), date_trunc, from_iso8601_timestamp with offset, to_iso8601, from_unixtime, to_unixtime', async () => {
    assert.deepEqual(
      await one(
        `CAST(date_add('hour', 3, TIMESTAMP '2023-07-10 11:00:00') AS VARCHAR), CAST(date_add('day', -1, DATE '2023-07-10') AS VARCHAR),
         CAST(date_trunc('hour', TIMESTAMP '2023-07-10 11:42:36') AS VARCHAR), CAST(from_iso8601_timestamp('2023-07-10T11:42:36+02:00') AS VARCHAR),
         to_iso8601(TIMESTAMP '2023-07-10 11:42:36.5'), CAST(from_unixtime(1688989356) AS VARCHAR), to_unixtime(TIMESTAMP '2023-07-10 11:42:36')`,
      ),
      [
        '2023-07-10 14:00:00.000',
        '2023-07-09',
        '2023-07-10 11:00:00.000',
        '2023-07-10 09:42:36.000',
        '2023-07-10T11:42:36.500',
        '2023-07-10 11:42:36.000',
        1688989356,
      ],
    );
  });

  test('day_of_week is ISO (Monday 1 … Sunday 7), and the other extractors', async () => {
    assert.deepEqual(
      await one(
        `day_of_week(DATE '2023-07-09'), dow(DATE '2023-07-10'), day_of_year(DATE '2023-02-01'), week(DATE '2023-01-01'),
         quarter(DATE '2023-07-10'), year(eventTime), month(eventTime), day(eventTime), millisecond(TIMESTAMP '2023-01-01 00:00:01.25')`,
      ),
      ['7', '1', '32', '52', '3', '2023', '7', '10', '250'],
    );
  });

  test('date_format and date_parse take MySQL specifiers; format_datetime and parse_datetime take Joda patterns', async () => {
    assert.deepEqual(
      await one(
        `date_format(TIMESTAMP '2023-07-10 11:42:36', '%Y-%m-%d %H:%i:%s %W %b %e'), CAST(date_parse('2023/07/10 11:42', '%Y/%m/%d %H:%i') AS VARCHAR),
         format_datetime(TIMESTAMP '2023-07-10 11:42:36.123', 'yyyy-MM-dd''T''HH:mm:ss.SSS EEE'), CAST(parse_datetime('10/07/2023', 'dd/MM/yyyy') AS VARCHAR)`,
      ),
      [
        '2023-07-10 11:42:36 Monday Jul 10',
        '2023-07-10 11:42:00.000',
        '2023-07-10T11:42:36.123 Mon',
        '2023-07-10 00:00:00.000',
      ],
    );
  });

  test('regexp_replace replaces every match, with $n group references and a two-argument form that removes', async () => {
    assert.deepEqual(
      await one(
        `regexp_replace('a1b22c333', '\\d+', '#'), regexp_replace('John Smith', '(\\w+) (\\w+)', '$2, $1'), regexp_replace('a1b2', '\\d'),
         regexp_replace('x', 'x', '\\$1'), regexp_like('abc', 'b'), regexp_extract('abc', 'z'), regexp_extract('a1b22', '\\d+'),
         regexp_extract('key=val', '(\\w+)=(\\w+)', 2), regexp_extract_all('a1b22', '\\d+')`,
      ),
      ['a#b#c#', 'Smith, John', 'ab', '$1', true, null, '1', 'val', ['1', '22']],
    );
  });

  test('element_at: map key → value or NULL; array → 1-based, negative from the end, NULL out of range', async () => {
    assert.deepEqual(
      await one(
        `element_at(MAP(['a'], ['1']), 'a'), element_at(MAP(['a'], ['1']), 'b'), element_at(ARRAY[10, 20, 30], 1),
         element_at(ARRAY[10, 20, 30], -1), element_at(ARRAY[10, 20, 30], 4), element_at(resources, 1).accountId IS NOT DISTINCT FROM resources[1].accountId`,
      ),
      ['1', null, 10, 30, null, true],
    );
  });

  test('replace with two arguments removes; split_part past the end is NULL; concat is NULL when an argument is', async () => {
    assert.deepEqual(
      await one(
        `replace('AWS::SSM::ManagedInstanceInventory/i-1', 'AWS::SSM::ManagedInstanceInventory/'), split_part('a,b', ',', 3), split_part('a,b', ',', 2), concat('a', NULL), concat('a', 'b', 'c'), strpos('hello', 'l'), reverse('abc')`,
      ),
      ['i-1', null, 'b', null, 'abc', '3', 'cba'],
    );
  });

  test('json_extract_scalar takes JSONPath, answers NULL for objects, arrays and text that is not JSON', async () => {
    assert.deepEqual(
      await one(
        `json_extract_scalar('{"a":{"b":[1,{"c":"x"}]}}', '$.a.b[1].c'), json_extract_scalar('{"a":{"b":1}}', '$.a'), json_extract_scalar('not json', '$.a'),
         json_extract_scalar('{"a":true}', '$.a'), CAST(json_extract('{"a":{"b":1}}', '$.a') AS VARCHAR), json_array_length('[1,2,3]'),
         json_array_contains('[1,"x"]', 'x'), CAST(json_array_get('[1,2,3]', -1) AS VARCHAR), json_size('{"a":{"b":1,"c":2}}', '$.a'),
         CAST(json_extract(json_parse('{"s":"v"}'), '$.s') AS VARCHAR), json_format(json_parse('{"a": 1}'))`,
      ),
      ['x', null, null, 'true', '{"b":1}', '3', true, '3', '2', 'v', '{"a":1}'],
    );
  });

  test('transform, filter, reduce and the match functions take Trino lambdas', async () => {
    assert.deepEqual(
      await one(
        `transform(ARRAY[1, 2, 3], x -> x * 10), filter(ARRAY[1, 2, 3], x -> x > 1), reduce(ARRAY[1, 2, 3], 0, (s, x) -> s + x, s -> s),
         reduce(ARRAY[1, 2, 3], 0, (s, x) -> s + x, s -> s * 2), any_match(ARRAY[1, 2], x -> x > 1), all_match(ARRAY[1, 2], x -> x > 1),
         none_match(ARRAY[1, 2], x -> x > 5), any_match(ARRAY[1, NULL], x -> x > 1), all_match(ARRAY[], x -> x > 1),
         map_filter(MAP(ARRAY['a', 'b'], ARRAY[1, 2]), (k, v) -> v > 1), transform_values(MAP(ARRAY['a'], ARRAY[1]), (k, v) -> v + 1),
         zip_with(ARRAY[1, 2], ARRAY[10, 20], (x, y) -> x + y)`,
      ),
      [
        [10, 20, 30],
        [2, 3],
        6,
        12,
        true,
        false,
        true,
        null,
        true,
        [{ key: 'b', value: 2 }],
        [{ key: 'a', value: 2 }],
        [11, 22],
      ],
    );
  });

  test('sequence() counts down as Trino does, with a step and over timestamps', async () => {
    assert.deepEqual(
      await one(
        `sequence(3, 1), sequence(1, 7, 3), cardinality(sequence(1, 10000)),
         cardinality(sequence(TIMESTAMP '2024-01-01', TIMESTAMP '2024-01-03', INTERVAL '1' DAY)), repeat('a', 2)`,
      ),
      [['3', '2', '1'], ['1', '4', '7'], '10000', '3', ['a', 'a']],
    );
  });

  test("sequence() and repeat() refuse more than 10,000 entries with Trino's messages, before building them", async () => {
    const cases: [string, string][] = [
      ['sequence(1, 10001)', 'result of sequence function must not have more than 10000 entries'],
      ['sequence(1, 400000000)', 'result of sequence function must not have more than 10000 entries'],
      ['sequence(0, 100000000, 2)', 'result of sequence function must not have more than 10000 entries'],
      [
        `sequence(TIMESTAMP '2000-01-01', TIMESTAMP '2024-01-01', INTERVAL '1' HOUR)`,
        'result of sequence function must not have more than 10000 entries',
      ],
      ['sequence(1, 5, 0)', 'step must not be zero'],
      ['sequence(5, 1, 1)', 'sequence stop value should be greater than or equal to start value'],
      ['repeat(1, 10001)', 'count argument of repeat function must be less than or equal to 10000'],
      ['repeat(1, -1)', 'count argument of repeat function must be greater than or equal to 0'],
    ];
    for (const [expr, message] of cases) {
      // The count from the store's rows: evaluated when the query runs, not when it binds.
      const fromRows = expr.replace(/\d{5,}/, (n) => `(${n} + 0 * length(eventName))`);
      await assert.rejects(one(fromRows), (error: Error) => error.message.includes(message), expr);
    }
  });

  test('array and map functions', async () => {
    assert.deepEqual(
      await one(
        `cardinality(ARRAY[1, 2]), cardinality(requestParameters) >= 0, contains(ARRAY['a'], 'a'), array_join(ARRAY['a', NULL, 'b'], '-'),
         array_join(ARRAY['a', NULL], '-', 'N'), array_distinct(ARRAY[3, 1, 3, 2]), array_max(ARRAY[1, 5]), array_position(ARRAY['a'], 'z'),
         array_sort(ARRAY[3, NULL, 1]), slice(ARRAY[1, 2, 3, 4], 2, 2), slice(ARRAY[1, 2, 3, 4], -2, 2), flatten(ARRAY[ARRAY[1], ARRAY[2]]),
         sequence(1, 3), map_keys(MAP(ARRAY['k'], ARRAY['v'])), split('a,b', ','), array_remove(ARRAY[1, 2, 1], 1), arrays_overlap(ARRAY[1], ARRAY[1, 2])`,
      ),
      [
        '2',
        true,
        true,
        'a-b',
        'a-N',
        [3, 1, 2],
        5,
        0,
        [1, 3, null],
        [2, 3],
        [3, 4],
        [1, 2],
        ['1', '2', '3'],
        ['k'],
        ['a', 'b'],
        [2],
        true,
      ],
    );
  });

  test('CROSS JOIN UNNEST(resources) AS t(r) exposes each struct', async () => {
    const { rows, columns } = await fx.query(
      `SELECT r.ARN, r.type, count(*) AS n FROM ${S} CROSS JOIN UNNEST(resources) AS t(r) GROUP BY 1, 2 ORDER BY n DESC, 1`,
    );
    assert.deepEqual(columns, ['ARN', 'type', 'n']);
    const expected = new Map<string, number>();
    for (const rec of fx.invictus as { resources?: { ARN?: string; type?: string }[] }[]) {
      for (const r of rec.resources ?? [])
        expected.set(
          `${r.ARN ?? null}|${r.type ?? null}`,
          (expected.get(`${r.ARN ?? null}|${r.type ?? null}`) ?? 0) + 1,
        );
    }
    assert.equal(rows.length, expected.size);
    for (const [arn, type, n] of rows)
      assert.equal(Number(n), expected.get(`${String(arn)}|${String(type)}`));
  });

  test('aggregates with Trino names, window functions, CTEs, joins across stores and set operations', async () => {
    const { rows } = await fx.query(
      `WITH calls AS (SELECT eventName, count(*) AS n FROM ${S} GROUP BY eventName),
            other AS (SELECT DISTINCT eventName FROM ${STRATUS_STORE})
       SELECT approx_distinct(c.eventName), arbitrary(c.n) IS NOT NULL, count_if(c.n > 1), max_by(c.eventName, c.n) IS NOT NULL,
              bool_and(c.n > 0), every(c.n > 0), cardinality(array_agg(c.eventName)) > 0, approx_percentile(c.n, 0.5) > 0,
              count(o.eventName)
       FROM calls c LEFT JOIN other o ON o.eventName = c.eventName`,
    );
    const names = new Set((fx.invictus as { eventName: string }[]).map((r) => r.eventName));
    const shared = [...names].filter((n) =>
      (fx.stratus as { eventName: string }[]).some((r) => r.eventName === n),
    );
    assert.equal(Number(rows[0]?.[8]), shared.length);
    assert.equal(rows[0]?.[1], true);
    const ranked = await fx.query(
      `SELECT eventName, rank() OVER (ORDER BY count(*) DESC) AS r FROM ${S} GROUP BY eventName ORDER BY r LIMIT 1`,
    );
    assert.equal(ranked.rows[0]?.[1], '1');
    const sets = await fx.query(
      `SELECT eventName FROM ${S} INTERSECT SELECT eventName FROM ${STRATUS_STORE} EXCEPT SELECT 'nothing'`,
    );
    assert.equal(sets.rows.length, shared.length);
  });

  test('a CTE may take the name of an internal table and still only read stores', async () => {
    const { rows } = await fx.query(`WITH events AS (SELECT eventID FROM ${S}) SELECT count(*) FROM events`);
    assert.equal(Number(rows[0]?.[0]), fx.invictus.length);
  });

  test('eventTime compares with a string literal; an ARN names a store too', async () => {
    const { rows } = await fx.query(
      `SELECT count(*) FROM "arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/${S}" WHERE eventTime > '2023-07-10 12:00:00'`,
    );
    const expected = (fx.invictus as { eventTime: string }[]).filter(
      (r) => r.eventTime > '2023-07-10T12:00:00Z',
    ).length;
    assert.equal(Number(rows[0]?.[0]), expected);
    const bare = await fx.query(
      `SELECT count(*) FROM arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/${S}`,
    );
    assert.equal(Number(bare.rows[0]?.[0]), fx.invictus.length);
  });

  test('CAST(json AS varchar) unwraps strings; CAST(timestamp AS varchar) keeps milliseconds; TRY_CAST and try', async () => {
    assert.deepEqual(
      await one(
        `CAST(json_extract('{"a":"x"}', '$.a') AS varchar), CAST(eventTime AS VARCHAR) LIKE '2023-07-10 %.000', TRY_CAST('x' AS BIGINT), try(CAST('x' AS BIGINT)), CAST('1.5' AS DOUBLE), typeof(CAST(1.5 AS DOUBLE))`,
      ),
      ['x', true, null, null, 1.5, 'double'],
    );
  });

  test('url and binary functions', async () => {
    assert.deepEqual(
      await one(
        `url_extract_host('https://user@example.com:8443/a/b?x=1&y=two#frag'), url_extract_path('https://example.com/a/b?x=1'),
         url_extract_parameter('https://example.com/?x=1&y=two', 'y'), url_extract_port('https://example.com:8443/'),
         to_hex(md5(to_utf8('abc'))), lower(to_hex(sha256(to_utf8('abc')))) LIKE 'ba7816bf%'`,
      ),
      ['example.com', '/a/b', 'two', '8443', '900150983CD24FB0D6963F7D28E17F72', true],
    );
  });

  test('result columns are named as Lake names them', async () => {
    const { columns } = await fx.query(
      `SELECT eventname, userIdentity.sessionContext.sessionIssuer.userName, element_at(requestParameters, 'x'), count(*) AS Total FROM ${S} GROUP BY 1, 2, 3`,
    );
    assert.deepEqual(columns, ['eventname', 'userName', '_col2', 'Total']);
  });
});

describe('pure helpers', () => {
  test('quoteStoreIds() quotes bare IDs but leaves strings, quoted identifiers and comments alone', () => {
    const id = '0fce1234-5678-40ab-8def-1234567890ab';
    assert.equal(
      quoteStoreIds(`SELECT * FROM ${id} WHERE x = '${id}' -- ${id}`),
      `SELECT * FROM "${id}" WHERE x = '${id}' -- ${id}`,
    );
    assert.equal(quoteStoreIds(`SELECT * FROM "${id}" /* ${id} */`), `SELECT * FROM "${id}" /* ${id} */`);
    assert.equal(quoteStoreIds(`SELECT a-b FROM t`), `SELECT a-b FROM t`);
    assert.equal(quoteStoreIds(`SELECT E'\\' ${id}' FROM x`), `SELECT E'\\' ${id}' FROM x`);
  });

  test('javaReplacementToRe2() turns $n into \\n and keeps escaped characters literal', () => {
    assert.equal(javaReplacementToRe2('$2, $1'), '\\2, \\1');
    assert.equal(javaReplacementToRe2('\\$1 \\\\'), '$1 \\\\');
  });

  test('format converters', () => {
    assert.equal(mysqlFormatToStrftime('%Y-%m-%d %H:%i:%s %p %%'), '%Y-%m-%d %H:%M:%S %p %%');
    assert.equal(jodaFormatToStrftime("yyyy-MM-dd'T'HH:mm:ss.SSSZ"), '%Y-%m-%dT%H:%M:%S.%g%z');
    assert.throws(() => mysqlFormatToStrftime('%D'), /not supported/);
  });

  test('formatLakeValue() renders values as Lake does', () => {
    assert.equal(formatLakeValue(null), null);
    assert.equal(formatLakeValue(new DuckDBTimestampValue(1688989356000000n)), '2023-07-10 11:42:36.000');
    assert.equal(formatLakeValue(96059n), '96059');
    assert.equal(formatLakeValue(true), 'true');
    assert.equal(formatLakeValue(2), '2.0');
    assert.equal(formatDouble(1e7), '1.0E7');
    assert.equal(formatDouble(0.0001), '1.0E-4');
    assert.equal(
      formatLakeValue(
        new DuckDBMapValue([
          { key: 'bucketName', value: 'b' },
          { key: 'key', value: null },
        ]),
      ),
      '{bucketName=b, key=null}',
    );
    assert.equal(formatLakeValue(new DuckDBListValue(['a', 'b'])), '[a, b]');
    assert.equal(
      formatLakeValue(
        new DuckDBStructValue({
          type: 'AssumedRole',
          sessionContext: new DuckDBStructValue({ mfaAuthenticated: 'false' }),
        }),
      ),
      '{type=AssumedRole, sessionContext={mfaAuthenticated=false}}',
    );
  });
});
