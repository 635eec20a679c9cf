import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import { parseDestinations, validateChannelName, validateSource } from './channel-validation.ts';

const STORE_ARN = 'arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/abc';

describe('channel names, sources and destinations', () => {
  it('validates names and sources', () => {
    validateChannelName('my-app.channel_1');
    assertServiceError(() => validateChannelName('ab'), 'InvalidParameterException');
    assertServiceError(() => validateChannelName('has space'), 'InvalidParameterException');
    validateSource('Custom');
    validateSource('Okta');
    assertServiceError(() => validateSource('custom'), 'InvalidSourceException');
    assertServiceError(() => validateSource('MyCompany'), 'InvalidSourceException');
  });

  it('validates destination shapes', () => {
    assert.deepEqual(parseDestinations([{ Type: 'EVENT_DATA_STORE', Location: STORE_ARN }]), [
      { Type: 'EVENT_DATA_STORE', Location: STORE_ARN },
    ]);
    assertServiceError(() => parseDestinations('x'), 'SerializationException');
    assertServiceError(() => parseDestinations([]), 'InvalidParameterException');
    assertServiceError(() => parseDestinations([null]), 'SerializationException');
    assertServiceError(() => parseDestinations([{ Type: 'EVENT_DATA_STORE' }]), 'InvalidParameterException');
    assertServiceError(
      () => parseDestinations([{ Type: 'S3', Location: 'abc' }]),
      'InvalidParameterException',
    );
    assertServiceError(
      () => parseDestinations([{ Type: 'EVENT_DATA_STORE', Location: 'a b c' }]),
      'InvalidParameterException',
    );
  });
});
