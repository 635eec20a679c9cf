import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import { MAX_AUDIT_EVENTS, parseAuditEvents } from './audit-events.ts';

describe('parseAuditEvents()', () => {
  const one = { id: 'a', eventData: '{}' };

  it('keeps ids, eventData and checksums', () => {
    assert.deepEqual(
      parseAuditEvents([
        { ...one, eventDataChecksum: 'c' },
        { id: 'b_2-x', eventData: 'x' },
      ]),
      [
        { id: 'a', eventData: '{}', eventDataChecksum: 'c' },
        { id: 'b_2-x', eventData: 'x' },
      ],
    );
  });

  it('refuses two entries with the same id with DuplicatedAuditEventId', () => {
    assertServiceError(
      () => parseAuditEvents([one, { ...one }]),
      'DuplicatedAuditEventId',
      /same event ID: a/,
    );
  });

  it('refuses empty, oversized and malformed lists', () => {
    assertServiceError(() => parseAuditEvents(undefined), 'ValidationException');
    assertServiceError(() => parseAuditEvents({}), 'SerializationException');
    assertServiceError(() => parseAuditEvents([]), 'ValidationException');
    const many = Array.from({ length: MAX_AUDIT_EVENTS + 1 }, (_, i) => ({ id: `e${i}`, eventData: '{}' }));
    assertServiceError(() => parseAuditEvents(many), 'ValidationException', /1 to 100/);
    assertServiceError(() => parseAuditEvents(['x']), 'SerializationException');
    assertServiceError(() => parseAuditEvents([{ id: 'a' }]), 'ValidationException');
    assertServiceError(() => parseAuditEvents([{ id: 'a b', eventData: '{}' }]), 'ValidationException');
    assertServiceError(() => parseAuditEvents([{ ...one, eventDataChecksum: 5 }]), 'SerializationException');
  });

  it('refuses more than 1 MB of eventData in one request', () => {
    const big = 'x'.repeat(300 * 1024);
    const events = Array.from({ length: 4 }, (_, i) => ({ id: `e${i}`, eventData: big }));
    assertServiceError(() => parseAuditEvents(events), 'ValidationException', /1048576/);
  });
});
