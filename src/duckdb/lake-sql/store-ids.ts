/**
 * Lake names a store in FROM by its bare event data store ID, hyphenated and unquoted
 * (`SELECT ... FROM 0fce1234-5678-90ab-cdef-1234567890ab`, CloudTrail Lake SQL constraints).
 * DuckDB's parser reads that as arithmetic, so this pre-pass wraps every such token in double
 * quotes before parsing. It is not a security boundary: whatever it produces is parsed by DuckDB
 * and checked node by node afterwards. It only has to agree with DuckDB about where string
 * literals, quoted identifiers and comments are, so that it leaves their contents alone.
 *
 * Parses attacker-controlled input.
 */

/**
 * A store ID as Lake writes it: a UUID, or one of the docs' placeholders such as
 * `EXAMPLEb529-4e8f9l3d-6m2z-lkp5sEXAMPLE` — four or more hyphen-separated runs of letters and digits.
 */
const STORE_ID = /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+){3,}$/;
/** An event data store ARN, accepted in FROM as an OpenTrail convenience. */
const STORE_ARN = /^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:eventdatastore\/[A-Za-z0-9-]+$/;

export function looksLikeStoreName(name: string): boolean {
  return STORE_ID.test(name) || STORE_ARN.test(name);
}

const WORD = /[A-Za-z0-9_]/;

/** Returns `statement` with bare store IDs and ARNs turned into quoted identifiers. */
export function quoteStoreIds(statement: string): string {
  let out = '';
  let i = 0;
  const n = statement.length;
  while (i < n) {
    const c = statement[i]!;
    const next = statement[i + 1];
    if (c === "'" || ((c === 'e' || c === 'E') && next === "'" && !WORD.test(statement[i - 1] ?? ''))) {
      const end = skipString(statement, c === "'" ? i : i + 1, c !== "'");
      out += statement.slice(i, end);
      i = end;
    } else if (c === '"') {
      const end = skipQuoted(statement, i, '"');
      out += statement.slice(i, end);
      i = end;
    } else if (c === '-' && next === '-') {
      const nl = statement.indexOf('\n', i);
      const end = nl < 0 ? n : nl;
      out += statement.slice(i, end);
      i = end;
    } else if (c === '/' && next === '*') {
      const end = skipBlockComment(statement, i);
      out += statement.slice(i, end);
      i = end;
    } else if (c === '$' && !WORD.test(statement[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(statement.slice(i));
      if (tag) {
        const close = statement.indexOf(tag[0], i + tag[0].length);
        const end = close < 0 ? n : close + tag[0].length;
        out += statement.slice(i, end);
        i = end;
      } else {
        out += c;
        i++;
      }
    } else if (/[A-Za-z0-9]/.test(c) && !WORD.test(statement[i - 1] ?? '')) {
      const m =
        /^(?:arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:eventdatastore\/[A-Za-z0-9-]+|[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*)/.exec(
          statement.slice(i, i + 300),
        );
      const token = m?.[0] ?? c;
      out += looksLikeStoreName(token) ? `"${token}"` : token;
      i += token.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function skipString(s: string, start: number, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < s.length) {
    const c = s[i];
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === "'") {
      if (s[i + 1] === "'") i += 2;
      else return i + 1;
    } else i++;
  }
  return s.length;
}

function skipQuoted(s: string, start: number, q: string): number {
  let i = start + 1;
  while (i < s.length) {
    if (s[i] === q) {
      if (s[i + 1] === q) i += 2;
      else return i + 1;
    } else i++;
  }
  return s.length;
}

/** DuckDB (like PostgreSQL) nests block comments. */
function skipBlockComment(s: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < s.length) {
    if (s[i] === '/' && s[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (s[i] === '*' && s[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return s.length;
}
