import { invalidQuery } from './errors.ts';

/**
 * Java's replacement syntax (`$1` groups, `\` escapes) as RE2's (`\1` groups, `\\` for a backslash).
 * Trino's regexp_replace takes the former, DuckDB's the latter.
 */
export function javaReplacementToRe2(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[++i];
      if (next === undefined) throw invalidQuery('A regexp_replace replacement ends with a lone backslash.');
      out += next === '\\' ? '\\\\' : next;
    } else if (c === '$') {
      const digit = text[i + 1];
      if (digit === undefined || !/\d/.test(digit)) {
        throw invalidQuery('regexp_replace replacements support $0-$9 group references only.');
      }
      out += `\\${digit}`;
      i++;
    } else out += c;
  }
  return out;
}
