/** Parsers of option values, for commander: a bad value is an InvalidArgumentError that names what was expected. */
import { InvalidArgumentError } from 'commander';

export function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected a whole number');
  return n;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/** An octal file mode (`640`, `0640`, `0o640`), as chmod takes it. */
export function parseFileMode(value: string): number {
  const m = /^(?:0o?)?([0-7]{3})$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected an octal file mode such as 0640');
  return parseInt(m[1] as string, 8);
}

/** ISO 8601, or epoch seconds as the AWS CLI takes them. */
export function parseTimestamp(value: string): Date {
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('expected ISO 8601 (2026-01-31T12:00:00Z) or epoch seconds');
  return new Date(ms);
}
