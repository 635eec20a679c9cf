import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBListValue,
  DuckDBArrayValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimestampMillisecondsValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/**
 * A result value as Lake's GetQueryResults writes it: every value is a string, rendered as Trino's
 * client renders it. Facts from CloudTrail's "Example queries" results: timestamps as
 * `2022-01-22 16:53:53.000`, counts as `96059`. Nested values follow Trino/Athena's Java-style
 * rendering seen in Athena results over the same CloudTrail schema: rows and maps as
 * `{type=AssumedRole, principalid=..., invokedby=null}`, arrays as `[a, b]`, a null inside them as
 * `null`. A top-level NULL comes back as `null` so that the caller decides how to show it.
 */
export function formatLakeValue(value: DuckDBValue, _type?: DuckDBType): string | null {
  if (value === null) return null;
  return render(value);
}

function render(value: DuckDBValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      return formatDouble(value);
    default:
      break;
  }
  if (value instanceof DuckDBTimestampValue) return formatMicros(value.micros);
  if (value instanceof DuckDBTimestampMillisecondsValue) return formatMicros(value.millis * 1000n);
  if (value instanceof DuckDBTimestampTZValue) return `${formatMicros(value.micros)} UTC`;
  if (value instanceof DuckDBDateValue)
    return formatMicros(BigInt(value.days) * 86_400_000_000n).slice(0, 10);
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) {
    return `[${value.items.map(render).join(', ')}]`;
  }
  if (value instanceof DuckDBMapValue) {
    return `{${value.entries.map((e) => `${render(e.key)}=${render(e.value)}`).join(', ')}}`;
  }
  if (value instanceof DuckDBStructValue) {
    return `{${Object.entries(value.entries)
      .map(([k, v]) => `${k}=${render(v)}`)
      .join(', ')}}`;
  }
  if (value instanceof DuckDBBlobValue) {
    return Array.from(value.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  }
  return String(value);
}

/** `YYYY-MM-DD HH:MM:SS.mmm` (Trino's timestamp(3)) from microseconds since the epoch, UTC. */
function formatMicros(micros: bigint): string {
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const iso = new Date(Number(millis)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** Java's Double.toString, which Trino uses for DOUBLE: `2.0`, `0.5`, `1.0E7`, `1.0E-4`. */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}
