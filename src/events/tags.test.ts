import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import { MAX_TAGS_PER_RESOURCE, mergeTags, parseTagsList, removeTags, type Tag } from './tags.ts';

describe('constants', () => {
  it('match the documented CloudTrail quotas', () => {
    assert.equal(MAX_TAGS_PER_RESOURCE, 50);
  });
});

describe('parseTagsList()', () => {
  it('reads keys with and without values, treating a null value as none', () => {
    assert.deepEqual(
      parseTagsList([
        { Key: 'Group', Value: 'Marketing' },
        { Key: 'name' },
        { Key: 'empty', Value: '' },
        { Key: 'n', Value: null },
      ]),
      [{ Key: 'Group', Value: 'Marketing' }, { Key: 'name' }, { Key: 'empty', Value: '' }, { Key: 'n' }],
    );
    assert.deepEqual(parseTagsList([]), []);
  });

  it('accepts Unicode letters, numbers, spaces and _ . : / = + - @, up to 128/256 characters', () => {
    const key = 'ü'.repeat(128);
    assert.deepEqual(parseTagsList([{ Key: key, Value: 'é'.repeat(256) }]), [
      { Key: key, Value: 'é'.repeat(256) },
    ]);
    assert.doesNotThrow(() =>
      parseTagsList([{ Key: 'cost center_1.a:b/c=d+e-f@g', Value: 'Ünïcødé 東京 42' }]),
    );
  });

  it('answers SerializationException for members of the wrong JSON type, naming the member', () => {
    assertServiceError(
      () => parseTagsList({ Key: 'a' }),
      'SerializationException',
      /^TagsList must be a list/,
    );
    assertServiceError(() => parseTagsList('a', 'Tags'), 'SerializationException', /^Tags must be a list/);
    assertServiceError(
      () => parseTagsList(['a']),
      'SerializationException',
      /^TagsList\[0\] must be an object/,
    );
    assertServiceError(
      () => parseTagsList([{ Key: 1 }]),
      'SerializationException',
      /^TagsList\[0\]\.Key must be a string/,
    );
    assertServiceError(
      () => parseTagsList([{ Key: 'a', Value: 2 }]),
      'SerializationException',
      /^TagsList\[0\]\.Value must be a string/,
    );
  });

  it('refuses a tag without a key', () => {
    assertServiceError(() => parseTagsList([{ Value: 'x' }]), 'InvalidTagParameterException', /has no Key/);
  });

  it('refuses keys that are empty or longer than 128 characters', () => {
    assertServiceError(
      () => parseTagsList([{ Key: '' }]),
      'InvalidTagParameterException',
      /1 to 128 characters/,
    );
    assertServiceError(
      () => parseTagsList([{ Key: 'k'.repeat(129) }]),
      'InvalidTagParameterException',
      /has 129/,
    );
  });

  it('refuses keys and values with characters outside the allowed set', () => {
    assertServiceError(
      () => parseTagsList([{ Key: 'a&b' }]),
      'InvalidTagParameterException',
      /^Tag key "a&b" may hold only/,
    );
    assertServiceError(
      () => parseTagsList([{ Key: 'a', Value: 'x<y' }]),
      'InvalidTagParameterException',
      /^Tag value for key "a" may hold only/,
    );
  });

  it('refuses keys with the reserved aws: prefix in any case', () => {
    assertServiceError(
      () => parseTagsList([{ Key: 'aws:cloudformation:stack-name' }]),
      'InvalidTagParameterException',
      /reserved prefix/,
    );
    assertServiceError(
      () => parseTagsList([{ Key: 'AWS:x' }]),
      'InvalidTagParameterException',
      /reserved prefix/,
    );
  });

  it('refuses values longer than 256 characters', () => {
    assertServiceError(
      () => parseTagsList([{ Key: 'a', Value: 'v'.repeat(257) }]),
      'InvalidTagParameterException',
      /at most 256 characters; it has 257/,
    );
  });

  it('refuses the same key twice in one request', () => {
    assertServiceError(
      () =>
        parseTagsList([
          { Key: 'a', Value: '1' },
          { Key: 'a', Value: '2' },
        ]),
      'InvalidTagParameterException',
      /appears more than once/,
    );
  });

  it('refuses more than 200 tags in one request', () => {
    const tags = Array.from({ length: 201 }, (_, i) => ({ Key: `k${i}` }));
    assertServiceError(() => parseTagsList(tags), 'InvalidTagParameterException', /holds 201 tags/);
    assert.equal(parseTagsList(tags.slice(0, 200)).length, 200);
  });
});

describe('mergeTags()', () => {
  it('overwrites the value of a key already present and appends new keys', () => {
    const existing: Tag[] = [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ];
    assert.deepEqual(mergeTags(existing, [{ Key: 'b', Value: '3' }, { Key: 'c' }]), [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '3' },
      { Key: 'c' },
    ]);
    assert.deepEqual(
      existing,
      [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ],
      'input left unchanged',
    );
  });

  it('drops the value when the same key is added without one', () => {
    assert.deepEqual(mergeTags([{ Key: 'a', Value: '1' }], [{ Key: 'a' }]), [{ Key: 'a' }]);
  });

  it('allows exactly 50 tags and refuses a 51st with TagsLimitExceededException', () => {
    const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}` }));
    assert.equal(mergeTags(fifty.slice(0, 49), [{ Key: 'k49' }]).length, 50);
    assert.equal(mergeTags(fifty, [{ Key: 'k0', Value: 'x' }]).length, 50, 'overwriting does not count');
    assertServiceError(
      () => mergeTags(fifty, [{ Key: 'k50' }]),
      'TagsLimitExceededException',
      /would have 51 tags; a trail may have at most 50/,
    );
  });
});

describe('removeTags()', () => {
  const existing: Tag[] = [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }, { Key: 'c' }];

  it('removes listed keys when no value is given and ignores keys not present', () => {
    assert.deepEqual(removeTags(existing, [{ Key: 'a' }, { Key: 'c' }, { Key: 'zz' }]), [
      { Key: 'b', Value: '2' },
    ]);
    assert.equal(existing.length, 3, 'input left unchanged');
  });

  it('removes a key given with a value only when the stored value matches', () => {
    assert.deepEqual(
      removeTags(existing, [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: 'other' },
        { Key: 'c', Value: 'x' },
      ]),
      [{ Key: 'b', Value: '2' }, { Key: 'c' }],
    );
  });
});
