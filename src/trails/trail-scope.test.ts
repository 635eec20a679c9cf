import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertServiceError } from '../../test/helpers/service-errors.ts';
import { validateMultiRegionGlobalEvents } from './trail-scope.ts';

describe('validateMultiRegionGlobalEvents()', () => {
  it('refuses a multi-Region trail without global service events', () => {
    assertServiceError(
      () => validateMultiRegionGlobalEvents(true, false),
      'InvalidParameterCombinationException',
      'Multi-Region trail must include global service events.',
    );
  });

  it('accepts every other combination', () => {
    assert.doesNotThrow(() => validateMultiRegionGlobalEvents(true, true));
    assert.doesNotThrow(() => validateMultiRegionGlobalEvents(false, false));
    assert.doesNotThrow(() => validateMultiRegionGlobalEvents(false, true));
  });
});
