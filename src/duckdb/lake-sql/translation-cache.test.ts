import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TranslationCache } from './translation-cache.ts';

const tables: Record<string, string> = { a: 'lake."eds_a"', b: 'lake."eds_b"' };
const resolve = (name: string): string | undefined => tables[name];

function entry(sql: string, storeNames: string[]): [{ sql: string; storeNames: string[] }, string[]] {
  return [{ sql, storeNames }, storeNames.map((n) => tables[n] ?? '')];
}

describe('TranslationCache', () => {
  test('get() answers a statement set() kept while its stores resolve to the same tables', () => {
    const cache = new TranslationCache(4);
    cache.set('SELECT 1 FROM a', ...entry('SELECT 1 FROM lake.eds_a', ['a']));
    assert.deepEqual(cache.get('SELECT 1 FROM a', resolve), {
      sql: 'SELECT 1 FROM lake.eds_a',
      storeNames: ['a'],
    });
    assert.equal(cache.get('SELECT 1 FROM  a', resolve), undefined, 'the text is the key, byte for byte');
  });

  test('get() misses when a store no longer resolves, or resolves to another table', () => {
    const cache = new TranslationCache(4);
    cache.set('SELECT 1 FROM a, b', ...entry('x', ['a', 'b']));
    assert.equal(
      cache.get('SELECT 1 FROM a, b', (n) => (n === 'a' ? tables.a : undefined)),
      undefined,
    );
    assert.equal(
      cache.get('SELECT 1 FROM a, b', (n) => (n === 'b' ? 'lake."eds_other"' : tables[n])),
      undefined,
    );
    assert.ok(cache.get('SELECT 1 FROM a, b', resolve), 'the entry stays for callers that see the stores');
  });

  test('get() lets the resolver refuse a store (a store pending deletion) on every hit', () => {
    const cache = new TranslationCache(4);
    cache.set('SELECT 1 FROM a', ...entry('x', ['a']));
    assert.throws(
      () =>
        cache.get('SELECT 1 FROM a', () => {
          throw new Error('inactive');
        }),
      /inactive/,
    );
  });

  test('a returned translation is a copy: changing it does not change the cache', () => {
    const cache = new TranslationCache(4);
    cache.set('s', ...entry('x', ['a']));
    cache.get('s', resolve)?.storeNames.push('b');
    assert.deepEqual(cache.get('s', resolve)?.storeNames, ['a']);
  });

  test('set() keeps at most maxEntries, dropping the least recently used first', () => {
    const cache = new TranslationCache(2);
    cache.set('one', ...entry('1', ['a']));
    cache.set('two', ...entry('2', ['a']));
    assert.ok(cache.get('one', resolve));
    cache.set('three', ...entry('3', ['a']));
    assert.equal(cache.size, 2);
    assert.equal(cache.get('two', resolve), undefined);
    assert.equal(cache.get('one', resolve)?.sql, '1');
    assert.equal(cache.get('three', resolve)?.sql, '3');
  });

  test('a cache of zero entries keeps nothing', () => {
    const cache = new TranslationCache(0);
    cache.set('one', ...entry('1', ['a']));
    assert.equal(cache.size, 0);
    assert.equal(cache.get('one', resolve), undefined);
  });
});
