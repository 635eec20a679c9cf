import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventsMatchedOf } from './profile.ts';

const SQL = 'SELECT count(*) FROM lake."eds_0a1b"';

/** A profile in DuckDB's JSON shape: the statement at the root, operators below it. */
function profile(root: object, sql = SQL): object {
  return { query_name: sql, cumulative_rows_scanned: 1000, children: [root] };
}

const scan = (cardinality: number, table = 'memory.lake.eds_0a1b'): object => ({
  operator_type: 'TABLE_SCAN',
  operator_cardinality: cardinality,
  extra_info: { Table: table },
  children: [],
});
const op = (type: string, cardinality: number, ...children: object[]): object => ({
  operator_type: type,
  operator_cardinality: cardinality,
  extra_info: {},
  children,
});

describe('EventsMatched from a DuckDB query profile', () => {
  it("counts a scan's rows when its filters were pushed into it", () => {
    assert.equal(
      eventsMatchedOf(profile(op('PERFECT_HASH_GROUP_BY', 4, op('PROJECTION', 37, scan(37)))), SQL),
      37,
    );
  });

  it('counts the rows the filters and projections right above a scan let through', () => {
    const plan = op(
      'UNGROUPED_AGGREGATE',
      1,
      op('PROJECTION', 12, op('FILTER', 12, op('PROJECTION', 500, scan(500)))),
    );
    assert.equal(eventsMatchedOf(profile(plan), SQL), 12);
  });

  it('adds up every store scan of a join, and leaves out tables that are not stores', () => {
    const plan = op(
      'HASH_JOIN',
      3,
      op('FILTER', 20, scan(90)),
      scan(7, 'memory.lake.eds_ffff'),
      scan(5, 'memory.main.other'),
    );
    assert.equal(eventsMatchedOf(profile(plan), SQL), 27);
  });

  it("is unknown for another statement's profile or one it cannot read", () => {
    assert.equal(eventsMatchedOf(profile(scan(5), 'SELECT 1'), SQL), undefined);
    assert.equal(
      eventsMatchedOf(profile({ operator_type: 'TABLE_SCAN', extra_info: { Table: 'x.eds_0a' } }), SQL),
      undefined,
    );
    assert.equal(eventsMatchedOf('not a profile', SQL), undefined);
  });
});
