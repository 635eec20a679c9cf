import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statementPositions } from './statement-positions.ts';

describe('statementPositions()', () => {
  it('places a single Statement object as the IAM CLI documentation example answers it', () => {
    // aws iam simulate-custom-policy example: Line 1, Column 38 to Line 1, Column 167.
    const text =
      '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}';
    assert.deepEqual(statementPositions(text), [
      { start: { line: 1, column: 38 }, end: { line: 1, column: 167 } },
    ]);
  });

  it('gives each statement of an array, over several lines, one column past its braces', () => {
    const text = [
      '{',
      '  "Version": "2012-10-17",',
      '  "Statement": [',
      '    {"Effect": "Allow", "Action": "a:b", "Resource": "x}"},',
      '    {',
      '      "Effect": "Deny", "Action": "a:\\"c", "Resource": "*"',
      '    }',
      '  ]',
      '}',
    ].join('\n');
    assert.deepEqual(statementPositions(text), [
      { start: { line: 4, column: 6 }, end: { line: 4, column: 59 } },
      { start: { line: 5, column: 6 }, end: { line: 7, column: 6 } },
    ]);
  });

  it('yields no positions for text it cannot scan', () => {
    assert.deepEqual(statementPositions('{"Statement": [{"Effect": '), []);
    assert.deepEqual(statementPositions('[]'), []);
    assert.deepEqual(statementPositions('{}'), []);
  });
});
