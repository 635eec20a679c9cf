/**
 * Wildcard patterns of the IAM policy language: `*` matches any run of characters (none
 * included), `?` exactly one. AWS uses them in Action/NotAction (case-insensitive), in
 * Resource/NotResource and the Arn… operators (per ARN segment, case-sensitive) and in
 * StringLike/StringNotLike ("IAM JSON policy elements: Condition operators").
 *
 * A pattern is compiled once into literal text plus a mask of wildcard positions, so that a value
 * substituted for a policy variable stays literal (its own `*` matches only `*`), and matching
 * needs no regular expression: the usual greedy two-pointer walk, linear for one `*`.
 */

const STAR = 1;
const QMARK = 2;

export interface Glob {
  /** Literal characters, with a placeholder where `mask` marks a wildcard. */
  readonly text: string;
  /** 0 literal, 1 `*`, 2 `?` per character of `text`; null when the pattern is all literal. */
  readonly mask: Uint8Array | null;
  /** The literal prefix before a single trailing `*` (fast path), when that is the shape. */
  readonly prefix: string | null;
}

/** A run of pattern characters: literal text, or one wildcard. */
export type GlobPart = string | typeof STAR | typeof QMARK;

export const GLOB_STAR: GlobPart = STAR;
export const GLOB_QMARK: GlobPart = QMARK;

/** Compiles `*` and `?` in `pattern` as wildcards; with `lowerCase`, for case-insensitive use. */
export function compileGlob(pattern: string, lowerCase = false): Glob {
  const parts: GlobPart[] = [];
  let literal = '';
  for (const ch of pattern) {
    if (ch === '*' || ch === '?') {
      if (literal) parts.push(literal);
      literal = '';
      parts.push(ch === '*' ? STAR : QMARK);
    } else literal += ch;
  }
  if (literal) parts.push(literal);
  return globOf(parts, lowerCase);
}

/** Builds a glob from parts (literal strings stay literal whatever they contain). */
export function globOf(parts: readonly GlobPart[], lowerCase = false): Glob {
  let text = '';
  let wild = false;
  const codes: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      const lit = lowerCase ? part.toLowerCase() : part;
      text += lit;
      for (let i = 0; i < lit.length; i++) codes.push(0);
    } else {
      text += part === STAR ? '*' : '?';
      codes.push(part);
      wild = true;
    }
  }
  if (!wild) return { text, mask: null, prefix: null };
  const mask = Uint8Array.from(codes);
  const starAt = codes.indexOf(STAR);
  const prefix =
    starAt === codes.length - 1 && codes.lastIndexOf(QMARK) === -1 ? text.slice(0, starAt) : null;
  return { text, mask, prefix };
}

/** Whether `value` matches `glob` (the caller lower-cases `value` for case-insensitive globs). */
export function matchGlob(glob: Glob, value: string): boolean {
  const { text, mask } = glob;
  if (mask === null) return text === value;
  if (glob.prefix !== null) return value.startsWith(glob.prefix);
  let p = 0;
  let v = 0;
  let starP = -1;
  let starV = 0;
  const pn = text.length;
  const vn = value.length;
  while (v < vn) {
    if (p < pn) {
      const m = mask[p];
      if (m === STAR) {
        starP = p++;
        starV = v;
        continue;
      }
      if (m === QMARK || text.charCodeAt(p) === value.charCodeAt(v)) {
        p++;
        v++;
        continue;
      }
    }
    if (starP < 0) return false;
    p = starP + 1;
    v = ++starV;
  }
  while (p < pn && mask[p] === STAR) p++;
  return p === pn;
}

/** Whether the glob is the lone `*`. */
export function isMatchAll(glob: Glob): boolean {
  return glob.mask !== null && glob.text === '*';
}
