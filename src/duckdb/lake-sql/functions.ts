/**
 * The functions a Lake statement may call, with how each becomes DuckDB. Lake "supports all Trino
 * functions" (CloudTrail Lake SQL constraints); this table is the subset OpenTrail provides, with
 * Trino semantics where DuckDB's namesake differs. Anything not listed is rejected before the
 * statement reaches the engine, which keeps file-, network- and settings-touching DuckDB functions
 * (read_*, glob, getenv, current_setting, *_extension, ...) out by construction.
 */

/** How a Trino function call becomes DuckDB: same name, another name (a builtin or one of our macros), or a rewrite of the call. */
export type FunctionRule =
  | { to?: string; kind?: 'scalar' | 'aggregate' | 'window' }
  | { custom: CustomRewrite; kind?: 'scalar' | 'aggregate' };

export type CustomRewrite =
  | 'element_at'
  | 'concat'
  | 'replace'
  | 'regexp_replace'
  | 'date_format'
  | 'date_parse'
  | 'format_datetime'
  | 'parse_datetime'
  | 'reduce'
  | 'any_match'
  | 'all_match'
  | 'none_match'
  | 'map_filter'
  | 'transform_values'
  | 'transform_keys'
  | 'map_agg'
  | 'set_agg'
  | 'zip_with';

const same = {};
const to = (name: string): FunctionRule => ({ to: name });
const agg = (name?: string): FunctionRule => (name ? { to: name, kind: 'aggregate' } : { kind: 'aggregate' });
const win: FunctionRule = { kind: 'window' };
const custom = (c: CustomRewrite, kind?: 'aggregate'): FunctionRule =>
  kind ? { custom: c, kind } : { custom: c };

/** Trino name (lower case) → rule. */
export const LAKE_FUNCTIONS: Record<string, FunctionRule> = {
  // Strings
  length: same,
  lower: same,
  upper: same,
  trim: same,
  ltrim: same,
  rtrim: same,
  lpad: same,
  rpad: same,
  substr: same,
  substring: same,
  concat: custom('concat'),
  concat_ws: same,
  starts_with: same,
  strpos: same,
  position: same,
  replace: custom('replace'),
  reverse: to('lake_reverse'),
  split: same,
  split_part: to('lake_split_part'),
  chr: same,
  codepoint: to('unicode'),
  translate: same,
  levenshtein_distance: to('levenshtein'),
  hamming_distance: to('hamming'),
  format: to('printf'),
  to_utf8: to('encode'),
  from_utf8: to('decode'),
  url_encode: same,
  url_decode: same,
  url_extract_host: to('lake_url_extract_host'),
  url_extract_path: to('lake_url_extract_path'),
  url_extract_parameter: to('lake_url_extract_parameter'),
  url_extract_protocol: to('lake_url_extract_protocol'),
  url_extract_query: to('lake_url_extract_query'),
  url_extract_fragment: to('lake_url_extract_fragment'),
  url_extract_port: to('lake_url_extract_port'),
  // Regular expressions: Trino replaces every match and numbers groups $1; DuckDB needs 'g' and \1.
  regexp_like: to('regexp_matches'),
  regexp_replace: custom('regexp_replace'),
  regexp_extract: to('lake_regexp_extract'),
  regexp_extract_all: same,
  regexp_split: to('string_split_regex'),
  regexp_count: to('lake_regexp_count'),
  // Binary
  to_hex: to('hex'),
  from_hex: to('unhex'),
  to_base64: same,
  from_base64: same,
  md5: to('lake_md5'),
  sha1: to('lake_sha1'),
  sha256: to('lake_sha256'),
  // JSON
  json_extract_scalar: to('lake_json_extract_scalar'),
  json_extract: to('lake_json_extract'),
  json_parse: to('lake_json_parse'),
  json_format: to('lake_json_format'),
  json_array_length: to('lake_json_array_length'),
  json_array_contains: to('lake_json_array_contains'),
  json_array_get: to('lake_json_array_get'),
  json_size: to('lake_json_size'),
  is_json_scalar: to('lake_is_json_scalar'),
  // Date and time
  date_trunc: same,
  date_diff: to('date_sub'),
  date_add: to('lake_date_add'),
  date_format: custom('date_format'),
  date_parse: custom('date_parse'),
  format_datetime: custom('format_datetime'),
  parse_datetime: custom('parse_datetime'),
  from_iso8601_timestamp: to('lake_from_iso8601_timestamp'),
  from_iso8601_date: to('lake_from_iso8601_date'),
  to_iso8601: to('lake_to_iso8601'),
  from_unixtime: to('lake_from_unixtime'),
  to_unixtime: to('epoch'),
  date: to('lake_date'),
  year: same,
  quarter: same,
  month: same,
  week: same,
  week_of_year: to('week'),
  day: same,
  day_of_month: to('day'),
  day_of_week: to('isodow'),
  dow: to('isodow'),
  day_of_year: to('dayofyear'),
  doy: to('dayofyear'),
  year_of_week: to('isoyear'),
  yow: to('isoyear'),
  hour: same,
  minute: same,
  second: same,
  millisecond: to('lake_millisecond'),
  last_day_of_month: to('last_day'),
  current_timestamp: same,
  current_date: same,
  current_time: same,
  localtimestamp: same,
  localtime: same,
  now: same,
  current_timezone: to('lake_current_timezone'),
  date_part: same,
  timezone: same,
  // Arrays and maps
  element_at: custom('element_at'),
  cardinality: to('lake_cardinality'),
  contains: to('list_contains'),
  array_join: to('lake_array_join'),
  array_distinct: to('lake_array_distinct'),
  array_max: to('list_max'),
  array_min: to('list_min'),
  array_position: to('lake_array_position'),
  array_sort: to('lake_array_sort'),
  array_remove: to('lake_array_remove'),
  array_intersect: same,
  array_union: to('lake_array_union'),
  array_except: to('lake_array_except'),
  arrays_overlap: to('list_has_any'),
  slice: to('lake_slice'),
  flatten: same,
  sequence: to('lake_sequence'),
  repeat: to('lake_repeat'),
  zip: to('list_zip'),
  zip_with: custom('zip_with'),
  transform: to('list_transform'),
  filter: to('list_filter'),
  reduce: custom('reduce'),
  any_match: custom('any_match'),
  all_match: custom('all_match'),
  none_match: custom('none_match'),
  map: same,
  map_keys: same,
  map_values: same,
  map_entries: same,
  map_from_entries: same,
  map_concat: same,
  map_filter: custom('map_filter'),
  transform_values: custom('transform_values'),
  transform_keys: custom('transform_keys'),
  // Math
  abs: same,
  ceil: same,
  ceiling: same,
  floor: same,
  round: same,
  mod: same,
  power: same,
  pow: same,
  sqrt: same,
  cbrt: same,
  exp: same,
  ln: same,
  log2: same,
  log10: same,
  log: same,
  sign: same,
  truncate: to('trunc'),
  rand: to('random'),
  random: same,
  pi: same,
  degrees: same,
  radians: same,
  sin: same,
  cos: same,
  tan: same,
  asin: same,
  acos: same,
  atan: same,
  atan2: same,
  is_nan: to('isnan'),
  is_finite: to('isfinite'),
  is_infinite: to('isinf'),
  infinity: to('lake_infinity'),
  nan: to('lake_nan'),
  greatest: same,
  least: same,
  // Conditional and types
  if: same,
  nullif: same,
  typeof: to('lake_typeof'),
  // Aggregates
  count: agg(),
  count_star: agg(),
  sum: agg(),
  avg: agg(),
  min: agg(),
  max: agg(),
  count_if: agg(),
  approx_distinct: agg('approx_count_distinct'),
  approx_percentile: agg('approx_quantile'),
  arbitrary: agg('any_value'),
  any_value: agg(),
  max_by: agg(),
  min_by: agg(),
  bool_and: agg(),
  bool_or: agg(),
  every: agg('bool_and'),
  array_agg: agg(),
  histogram: agg(),
  map_agg: custom('map_agg', 'aggregate'),
  set_agg: custom('set_agg', 'aggregate'),
  stddev: agg(),
  stddev_pop: agg(),
  stddev_samp: agg(),
  variance: agg(),
  var_pop: agg(),
  var_samp: agg(),
  corr: agg(),
  covar_pop: agg(),
  covar_samp: agg(),
  geometric_mean: agg('geomean'),
  // Window functions
  row_number: win,
  rank: win,
  dense_rank: win,
  percent_rank: win,
  cume_dist: win,
  ntile: win,
  lag: win,
  lead: win,
  first_value: win,
  last_value: win,
  nth_value: win,
};

/**
 * Names DuckDB's parser itself puts into the tree for Trino syntax (`[1, 2]`, `ROW(...)`, `MAP`,
 * `EXTRACT`, interval literals, `LIKE ... ESCAPE`, `SIMILAR TO`, lambda parameter lists, `AT TIME ZONE`).
 */
export const PARSER_FUNCTIONS = new Set([
  'list_value',
  'struct_pack',
  'row',
  'map',
  'date_part',
  'position',
  'timezone',
  'trunc',
  'like_escape',
  'not_like_escape',
  'ilike_escape',
  'not_ilike_escape',
  'regexp_full_match',
  'to_years',
  'to_quarters',
  'to_months',
  'to_weeks',
  'to_days',
  'to_hours',
  'to_minutes',
  'to_seconds',
  'to_milliseconds',
  'to_microseconds',
  'array_slice',
  'nullif',
]);

/** Operators (`is_operator` function nodes). */
export const OPERATORS = new Set([
  '+',
  '-',
  '*',
  '/',
  '//',
  '%',
  '^',
  '**',
  '||',
  '&',
  '|',
  '<<',
  '>>',
  '~',
  '~~',
  '!~~',
  '~~*',
  '!~~*',
  '~~~',
  '!~~~',
]);

/** Operator expression types that are pure. */
export const OPERATOR_TYPES = new Set([
  'OPERATOR_NOT',
  'OPERATOR_IS_NULL',
  'OPERATOR_IS_NOT_NULL',
  'COMPARE_IN',
  'COMPARE_NOT_IN',
  'OPERATOR_COALESCE',
  'ARRAY_EXTRACT',
  'ARRAY_SLICE',
  'STRUCT_EXTRACT',
  'ARRAY_CONSTRUCTOR',
  'OPERATOR_TRY',
  'OPERATOR_NULLIF',
]);

/**
 * TEMP macros giving Trino semantics under non-clashing `lake_` names. Typed overloads dispatch on
 * the argument's type (maps vs arrays, strings vs arrays, dates vs timestamps); the untyped
 * overload is the fallback.
 */
export const LAKE_MACROS: string[] = [
  // Trino renders a timestamp(3) as '2023-07-10 11:42:36.000' and a JSON string without quotes.
  `lake_varchar(x DATE) AS strftime(x, '%Y-%m-%d'),
     (x TIMESTAMP) AS strftime(x, '%Y-%m-%d %H:%M:%S.%g'),
     (x) AS CASE WHEN typeof(x) = 'JSON' THEN json_extract_string(CAST(x AS VARCHAR), '$') ELSE CAST(x AS VARCHAR) END`,
  `lake_reverse(x VARCHAR) AS reverse(x), (x) AS list_reverse(x)`,
  // Both branches must bind for any argument type; the one not taken is folded away by typeof().
  `lake_cardinality(x) AS CASE WHEN starts_with(typeof(x), 'MAP(') THEN cardinality(TRY_CAST(x AS MAP(VARCHAR, VARCHAR))) ELSE len(TRY_CAST(x AS VARCHAR[])) END`,
  // Trino: NULL when the index is past the last field (DuckDB returns '').
  `lake_split_part(s, d, n) AS CASE WHEN n <= len(string_split(s, d)) THEN split_part(s, d, n) END`,
  // Trino: NULL when nothing matches (DuckDB returns '').
  `lake_regexp_extract(s, p) AS CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p) END,
     (s, p, g) AS CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p, g) END`,
  `lake_regexp_count(s, p) AS len(regexp_extract_all(s, p))`,
  // Trino's md5/sha* return varbinary (to_hex makes them text); DuckDB's return hex text.
  `lake_md5(x) AS unhex(md5(x))`,
  `lake_sha1(x) AS unhex(sha1(x))`,
  `lake_sha256(x) AS unhex(sha256(x))`,
  // Trino's JSON functions answer NULL for text that is not JSON, and json_extract_scalar NULL
  // for objects and arrays.
  `lake_json_extract_scalar(j, p) AS CASE WHEN json_valid(j) AND json_type(j, p) NOT IN ('OBJECT', 'ARRAY') THEN json_extract_string(j, p) END`,
  `lake_json_extract(j, p) AS CASE WHEN json_valid(j) THEN json_extract(j, p) END`,
  `lake_json_parse(s) AS json(s)`,
  `lake_json_format(j) AS CAST(json(j) AS VARCHAR)`,
  `lake_json_array_length(j) AS CASE WHEN json_valid(j) AND json_type(j) = 'ARRAY' THEN json_array_length(j) END`,
  `lake_json_array_contains(j, v) AS CASE WHEN json_valid(j) AND json_type(j) = 'ARRAY' THEN list_contains(json_extract(j, '$[*]'), to_json(v)) END`,
  // Trino: 0-based, negative counts from the end.
  `lake_json_array_get(j, i) AS CASE WHEN json_valid(j) AND json_type(j) = 'ARRAY' THEN json_extract(j, CASE WHEN i >= 0 THEN '$[' || i || ']' ELSE '$[#' || i || ']' END) END`,
  `lake_json_size(j, p) AS CASE WHEN NOT json_valid(j) THEN NULL WHEN json_type(j, p) = 'ARRAY' THEN json_array_length(j, p) WHEN json_type(j, p) = 'OBJECT' THEN len(json_keys(j, p)) WHEN json_type(j, p) IS NULL THEN NULL ELSE 0 END`,
  `lake_is_json_scalar(j) AS json_type(j) NOT IN ('OBJECT', 'ARRAY')`,
  // date_add(unit, value, timestamp) keeps the input's type.
  `lake_date_add(u, n, t DATE) AS CAST(t + n * CAST('1 ' || u AS INTERVAL) AS DATE),
     (u, n, t) AS t + n * CAST('1 ' || u AS INTERVAL)`,
  // Stores keep eventTime as UTC without zone; a parsed ISO 8601 instant is brought to UTC.
  `lake_from_iso8601_timestamp(s) AS timezone('UTC', CAST(s AS TIMESTAMPTZ))`,
  `lake_from_iso8601_date(s) AS CAST(s AS DATE)`,
  `lake_to_iso8601(x DATE) AS strftime(x, '%Y-%m-%d'),
     (x TIMESTAMP) AS strftime(x, '%Y-%m-%dT%H:%M:%S.%g'),
     (x) AS strftime(timezone('UTC', x), '%Y-%m-%dT%H:%M:%S.%gZ')`,
  `lake_from_unixtime(n) AS make_timestamp(CAST(round(CAST(n AS DOUBLE) * 1000000) AS BIGINT))`,
  `lake_date(x) AS CAST(x AS DATE)`,
  `lake_millisecond(x) AS millisecond(x) % 1000`,
  `lake_current_timezone() AS 'UTC'`,
  `lake_array_join(a, d) AS array_to_string(a, d),
     (a, d, r) AS array_to_string(list_transform(a, lake_x -> coalesce(CAST(lake_x AS VARCHAR), r)), d)`,
  // Trino keeps first-occurrence order; DuckDB's list_distinct does not.
  `lake_array_distinct(a) AS list_filter(a, (lake_x, lake_i) -> list_position(a, lake_x) = lake_i)`,
  `lake_array_position(a, x) AS coalesce(list_position(a, x), 0)`,
  `lake_array_sort(a) AS list_sort(a, 'ASC', 'NULLS LAST')`,
  `lake_array_remove(a, x) AS list_filter(a, lake_x -> lake_x IS DISTINCT FROM x)`,
  `lake_array_union(a, b) AS lake_array_distinct(list_concat(a, b))`,
  `lake_array_except(a, b) AS lake_array_distinct(list_filter(a, lake_x -> NOT list_contains(b, lake_x)))`,
  // slice(array, start, length): start is 1-based, negative counts from the end.
  `lake_slice(a, s, n) AS CASE WHEN s < 0 THEN list_slice(a, len(a) + s + 1, len(a) + s + n) ELSE list_slice(a, s, s + n - 1) END`,
  // Trino caps sequence() and repeat() at 10,000 entries (SequenceFunction, RepeatFunction, with
  // these messages). The cap is checked before the list is built: DuckDB evaluates a constant
  // argument of UNNEST while it binds the statement, where no interrupt or memory limit reaches,
  // so an uncapped UNNEST(sequence(1, 400000000)) held StartQuery for minutes and took the
  // process far past the engine's memory limit.
  `lake_sequence(a BIGINT, b BIGINT) AS CASE
       WHEN abs(b - a) >= 10000 THEN error('result of sequence function must not have more than 10000 entries')
       ELSE generate_series(a, b, CASE WHEN a <= b THEN 1 ELSE -1 END) END,
     (a BIGINT, b BIGINT, s BIGINT) AS CASE
       WHEN s = 0 THEN error('step must not be zero')
       WHEN (s > 0 AND b < a) OR (s < 0 AND b > a) THEN error('sequence stop value should be greater than or equal to start value if step is greater than zero otherwise stop should be less than or equal to start')
       WHEN (b - a) // s >= 10000 THEN error('result of sequence function must not have more than 10000 entries')
       ELSE generate_series(a, b, s) END,
     (a TIMESTAMP, b TIMESTAMP, s INTERVAL) AS CASE
       WHEN epoch(s) = 0 THEN error('step must not be zero')
       WHEN (epoch(s) > 0 AND b < a) OR (epoch(s) < 0 AND b > a) THEN error('sequence stop value should be greater than or equal to start value if step is greater than zero otherwise stop should be less than or equal to start')
       WHEN (epoch(b) - epoch(a)) / epoch(s) >= 10000 THEN error('result of sequence function must not have more than 10000 entries')
       ELSE generate_series(a, b, s) END`,
  `lake_repeat(x, n) AS CASE
       WHEN n > 10000 THEN error('count argument of repeat function must be less than or equal to 10000')
       WHEN n < 0 THEN error('count argument of repeat function must be greater than or equal to 0')
       ELSE list_transform(generate_series(1, n), lake_i -> x) END`,
  `lake_infinity() AS CAST('Infinity' AS DOUBLE)`,
  `lake_nan() AS CAST('NaN' AS DOUBLE)`,
  `lake_typeof(x) AS lower(typeof(x))`,
  `lake_url_extract_protocol(u) AS nullif(regexp_extract(u, '^([A-Za-z][A-Za-z0-9+.-]*):', 1), '')`,
  `lake_url_extract_host(u) AS nullif(regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(\\[[^\\]]*\\]|[^:/?#]*)', 1), '')`,
  `lake_url_extract_port(u) AS TRY_CAST(nullif(regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(?:\\[[^\\]]*\\]|[^:/?#]*):([0-9]+)', 1), '') AS BIGINT)`,
  `lake_url_extract_path(u) AS CASE WHEN regexp_matches(u, '^[A-Za-z][A-Za-z0-9+.-]*:') THEN regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)', 1) END`,
  `lake_url_extract_query(u) AS CASE WHEN regexp_matches(u, '^[A-Za-z][A-Za-z0-9+.-]*:') THEN regexp_extract(u, '^[^?#]*\\?([^#]*)', 1) END`,
  `lake_url_extract_fragment(u) AS CASE WHEN regexp_matches(u, '^[A-Za-z][A-Za-z0-9+.-]*:') THEN regexp_extract(u, '#(.*)$', 1) END`,
  `lake_url_extract_parameter(u, name) AS CASE WHEN regexp_matches(u, '[?&]' || regexp_escape(name) || '(=|&|#|$)') THEN url_decode(regexp_extract(u, '[?&]' || regexp_escape(name) || '=?([^&#]*)', 1)) END`,
];

/** Expression templates for rewrites that take lambdas (macros cannot); `__lake_argN` stands for the Nth argument. */
export const TEMPLATES: Record<string, string> = {
  reduce: 'list_reduce(__lake_arg0, __lake_arg2, __lake_arg1)',
  reduceOut: 'list_transform([list_reduce(__lake_arg0, __lake_arg2, __lake_arg1)], __lake_arg3)[1]',
  any_match:
    'CASE WHEN __lake_arg0 IS NULL THEN NULL WHEN len(list_filter(__lake_arg0, __lake_arg1)) > 0 THEN true ' +
    'WHEN list_count(list_transform(__lake_arg0, __lake_arg1)) < len(__lake_arg0) THEN NULL ELSE false END',
  all_match:
    'CASE WHEN __lake_arg0 IS NULL THEN NULL WHEN len(list_filter(__lake_arg0, __lake_arg2)) > 0 THEN false ' +
    'WHEN list_count(list_transform(__lake_arg0, __lake_arg1)) < len(__lake_arg0) THEN NULL ELSE true END',
  none_match:
    'CASE WHEN __lake_arg0 IS NULL THEN NULL WHEN len(list_filter(__lake_arg0, __lake_arg1)) > 0 THEN false ' +
    'WHEN list_count(list_transform(__lake_arg0, __lake_arg1)) < len(__lake_arg0) THEN NULL ELSE true END',
  map_filter: 'map_from_entries(list_filter(map_entries(__lake_arg0), __lake_arg1))',
  transform_values:
    'map_from_entries(list_transform(map_entries(__lake_arg0), __lake_e -> struct_pack(key := __lake_e.key, value := __lake_arg1)))',
  transform_keys:
    'map_from_entries(list_transform(map_entries(__lake_arg0), __lake_e -> struct_pack(key := __lake_arg1, value := __lake_e.value)))',
  zip_with:
    'list_transform(generate_series(1, greatest(len(__lake_arg0), len(__lake_arg1))), __lake_i -> __lake_arg2)',
  map_agg: 'map_from_entries(array_agg(struct_pack(key := __lake_arg0, value := __lake_arg1)))',
};
