/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: it throws
 * on any line the format does not allow, so a test that reads a scrape also checks its syntax.
 *
 * What it holds a scrape to, as the format's documentation states it: `# HELP name text` and
 * `# TYPE name type` lines (at most one of each per metric, TYPE before the metric's first
 * sample); samples `name{label="value",...} value [timestamp]` with metric names
 * `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`, label values escaping only
 * `\\`, `\"` and `\n`, values as Go's ParseFloat reads them (`+Inf`, `-Inf`, `NaN`); a metric's samples in one
 * group; a histogram's series as `_bucket` (with `le`, cumulative, ending at `+Inf` equal to
 * `_count`), `_sum` and `_count`.
 */
import assert from 'node:assert/strict';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string | undefined;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** Go's strconv.ParseFloat, which takes `NaN` and `Inf` in any case (prom-client writes `Nan`). */
const FLOAT = /^[+-]?(?:inf|infinity|nan|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)$/i;

function parseFloatValue(text: string, line: string): number {
  assert.match(text, FLOAT, `not a sample value: ${line}`);
  if (/nan/i.test(text)) return Number.NaN;
  if (/inf/i.test(text)) return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return Number(text);
}

/** `{a="1",b="x\"y"}` from its opening brace; returns the labels and where the text goes on. */
function parseLabels(line: string, from: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = from + 1;
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    assert.ok(eq > i, `label without '=': ${line}`);
    const name = line.slice(i, eq);
    assert.match(name, LABEL_NAME, `bad label name '${name}': ${line}`);
    assert.equal(labels[name], undefined, `label '${name}' twice: ${line}`);
    assert.equal(line[eq + 1], '"', `label value not quoted: ${line}`);
    let value = '';
    let j = eq + 2;
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] === '\\') {
        const next = line[++j];
        assert.ok(next === '\\' || next === '"' || next === 'n', `bad escape in label value: ${line}`);
        value += next === 'n' ? '\n' : next;
      } else {
        value += line[j];
      }
    }
    assert.equal(line[j], '"', `unterminated label value: ${line}`);
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else assert.equal(line[i], '}', `expected ',' or '}' after a label: ${line}`);
  }
  return { labels, end: i + 1 };
}

function parseSample(line: string): Sample {
  const nameEnd = line.search(/[{ ]/);
  assert.ok(nameEnd > 0, `not a sample: ${line}`);
  const name = line.slice(0, nameEnd);
  assert.match(name, METRIC_NAME, `bad metric name '${name}': ${line}`);
  let rest = nameEnd;
  let labels: Record<string, string> = {};
  if (line[nameEnd] === '{') ({ labels, end: rest } = parseLabels(line, nameEnd));
  const fields = line.slice(rest).trim().split(/ +/);
  assert.ok(line[rest] === ' ' && fields.length >= 1 && fields.length <= 2, `bad sample: ${line}`);
  if (fields[1] !== undefined) assert.match(fields[1], /^-?\d+$/, `bad timestamp: ${line}`);
  return { name, labels, value: parseFloatValue(fields[0] as string, line) };
}

/** The family a sample belongs to: itself, or a histogram's or summary's base name. */
function familyOf(sample: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const direct = families.get(sample);
  if (direct) return direct;
  const base = sample.replace(/_(bucket|sum|count)$/, '');
  const family = families.get(base);
  return family && (family.type === 'histogram' || family.type === 'summary') ? family : undefined;
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name === `${family.name}_bucket`) {
      assert.ok(le !== undefined, `${s.name} without le`);
      entry.buckets.push([parseFloatValue(le, s.name), s.value]);
    } else if (s.name === `${family.name}_count`) entry.count = s.value;
    else if (s.name === `${family.name}_sum`) entry.sum = s.value;
    else assert.fail(`histogram ${family.name} has a sample ${s.name}`);
  }
  for (const [key, { buckets, count, sum }] of series) {
    assert.ok(count !== undefined && sum !== undefined, `${family.name}${key}: _count and _sum required`);
    const last = buckets[buckets.length - 1];
    assert.ok(last && last[0] === Number.POSITIVE_INFINITY, `${family.name}${key}: no +Inf bucket`);
    assert.equal(last[1], count, `${family.name}${key}: the +Inf bucket is the count`);
    for (let i = 1; i < buckets.length; i++) {
      const [prevLe, prevCount] = buckets[i - 1] as [number, number];
      const [le, cumulative] = buckets[i] as [number, number];
      assert.ok(le > prevLe && cumulative >= prevCount, `${family.name}${key}: buckets not cumulative`);
    }
  }
}

/** Reads a whole scrape; every metric family by name. */
export function parseExposition(text: string): Map<string, MetricFamily> {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a line feed');
  const families = new Map<string, MetricFamily>();
  const closed = new Set<string>();
  const typed = new Set<string>();
  let current: MetricFamily | undefined;
  const open = (name: string): MetricFamily => {
    if (current?.name === name) return current;
    assert.ok(!closed.has(name), `samples of ${name} are not in one group`);
    if (current) closed.add(current.name);
    let family = families.get(name);
    if (!family) {
      family = { name, type: 'untyped', help: undefined, samples: [] };
      families.set(name, family);
    }
    current = family;
    return family;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
    if (meta) {
      const [, kind, name, rest = ''] = meta as unknown as [string, string, string, string?];
      assert.match(name, METRIC_NAME, `bad metric name in: ${line}`);
      const family = open(name);
      if (kind === 'HELP') {
        assert.equal(family.help, undefined, `two HELP lines for ${name}`);
        family.help = rest.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
      } else {
        assert.ok(TYPES.has(rest), `bad TYPE for ${name}: '${rest}'`);
        assert.ok(!typed.has(name), `two TYPE lines for ${name}`);
        typed.add(name);
        assert.equal(family.samples.length, 0, `TYPE of ${name} after its samples`);
        family.type = rest as MetricFamily['type'];
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = parseSample(line);
    const family =
      current && familyOf(sample.name, new Map([[current.name, current]])) ? current : open(sample.name);
    family.samples.push(sample);
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** The value of the one sample named `name` whose labels include `labels`, or undefined. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = familyOf(name, families);
  const matching = (family?.samples ?? []).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.ok(matching.length <= 1, `${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matching[0]?.value;
}
