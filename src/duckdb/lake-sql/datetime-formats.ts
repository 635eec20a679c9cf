import { invalidQuery } from './errors.ts';

/**
 * Trino's `date_format`/`date_parse` take MySQL-style specifiers, `format_datetime`/
 * `parse_datetime` take Joda-Time patterns; DuckDB's `strftime`/`strptime` take C-style codes.
 * These convert a constant format when the statement is translated (Trino docs, "Date and time
 * functions": MySQL date functions table; Joda DateTimeFormat).
 */

const MYSQL: Record<string, string> = {
  a: '%a',
  b: '%b',
  c: '%-m',
  d: '%d',
  e: '%-d',
  f: '%f',
  H: '%H',
  h: '%I',
  I: '%I',
  i: '%M',
  j: '%j',
  k: '%-H',
  l: '%-I',
  M: '%B',
  m: '%m',
  p: '%p',
  r: '%I:%M:%S %p',
  S: '%S',
  s: '%S',
  T: '%H:%M:%S',
  U: '%U',
  u: '%W',
  v: '%V',
  W: '%A',
  w: '%w',
  x: '%G',
  Y: '%Y',
  y: '%y',
  '%': '%%',
};

export function mysqlFormatToStrftime(format: string): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const spec = format[++i];
    if (spec === undefined) throw invalidQuery(`Format '${format}' ends with a lone '%'`);
    const code = MYSQL[spec];
    if (code === undefined) throw invalidQuery(`date_format specifier %${spec} is not supported`);
    out += code;
  }
  return out;
}

/** Joda letters by run length; `undefined` length means "any other length". */
const JODA: Record<string, (count: number) => string | undefined> = {
  y: (n) => (n === 2 ? '%y' : '%Y'),
  Y: (n) => (n === 2 ? '%y' : '%Y'),
  x: (n) => (n === 2 ? '%g' : '%G'),
  M: (n) => (n >= 4 ? '%B' : n === 3 ? '%b' : n === 2 ? '%m' : '%-m'),
  d: (n) => (n >= 2 ? '%d' : '%-d'),
  D: (n) => (n >= 3 ? '%j' : '%-j'),
  H: (n) => (n >= 2 ? '%H' : '%-H'),
  k: (n) => (n >= 2 ? '%H' : '%-H'),
  h: (n) => (n >= 2 ? '%I' : '%-I'),
  K: (n) => (n >= 2 ? '%I' : '%-I'),
  m: (n) => (n >= 2 ? '%M' : '%-M'),
  s: (n) => (n >= 2 ? '%S' : '%-S'),
  S: (n) => (n <= 3 ? '%g' : n <= 6 ? '%f' : '%n'),
  a: () => '%p',
  E: (n) => (n >= 4 ? '%A' : '%a'),
  e: () => '%u',
  w: (n) => (n >= 2 ? '%V' : '%-V'),
  Z: () => '%z',
  z: () => '%Z',
};

export function jodaFormatToStrftime(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw invalidQuery(`Pattern '${pattern}' has an unterminated quoted literal`);
      out += pattern.slice(i + 1, end).replaceAll('%', '%%');
      i = end + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let n = 1;
      while (pattern[i + n] === c) n++;
      const code = JODA[c]?.(n);
      if (code === undefined) throw invalidQuery(`Joda pattern letter '${c}' is not supported`);
      out += code;
      i += n;
      continue;
    }
    out += c === '%' ? '%%' : c;
    i++;
  }
  return out;
}
