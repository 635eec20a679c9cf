/**
 * Policy variables ("IAM policy elements: Variables and tags"): `${key}` in the resource part of a
 * Resource/NotResource ARN and in the values of the String…, Arn… and Bool operators is replaced
 * by the single value of that request-context key (key names are case-insensitive). `${key, 'x'}`
 * falls back to `x`; `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`. A key that is
 * absent (or multivalued: only single-valued keys can be variables) and has no default leaves the
 * value without any value, which then matches nothing. Variables exist from policy language
 * version 2012-10-17 on; in older documents `${…}` is literal text.
 */
import { GLOB_QMARK, GLOB_STAR, compileGlob, globOf, type Glob, type GlobPart } from './glob.ts';

/** The request context as the evaluator reads it: lower-cased key → its values. */
export type ContextValues = ReadonlyMap<string, readonly string[]>;

export type TemplatePart =
  /** Text whose `*` and `?` are wildcards where the operator takes wildcards. */
  | { readonly kind: 'pattern'; readonly text: string }
  /** Text that is literal in any case (the value of `${*}`, `${?}`, `${$}`). */
  | { readonly kind: 'literal'; readonly text: string }
  | {
      readonly kind: 'variable';
      /** The key, lower-cased (context lookups are case-insensitive). */
      readonly key: string;
      /** The key as the policy writes it (MissingContextValues names it so). */
      readonly name: string;
      readonly fallback: string | undefined;
    };

export interface Template {
  readonly source: string;
  readonly parts: readonly TemplatePart[];
  /** Whether the text needs resolving: it holds `${…}` (otherwise it is `source` for every request). */
  readonly variable: boolean;
}

const SPECIAL: Record<string, string> = { '*': '*', '?': '?', $: '$' };
const DEFAULT_VALUE = /^(.*?)\s*,\s*'(.*)'$/s;

/** Splits `source` into text and `${…}` variables (only when `variables` is on). */
export function parseTemplate(source: string, variables: boolean): Template {
  if (!variables || !source.includes('${')) {
    return { source, parts: [{ kind: 'pattern', text: source }], variable: false };
  }
  const parts: TemplatePart[] = [];
  let variable = false;
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('${', at);
    const close = open < 0 ? -1 : source.indexOf('}', open + 2);
    if (open < 0 || close < 0) {
      parts.push({ kind: 'pattern', text: source.slice(at) });
      break;
    }
    if (open > at) parts.push({ kind: 'pattern', text: source.slice(at, open) });
    const inner = source.slice(open + 2, close).trim();
    const special = SPECIAL[inner];
    variable = true;
    if (special !== undefined) parts.push({ kind: 'literal', text: special });
    else {
      const withDefault = DEFAULT_VALUE.exec(inner);
      const name = (withDefault ? withDefault[1]! : inner).trim();
      parts.push({
        kind: 'variable',
        key: name.toLowerCase(),
        name,
        fallback: withDefault ? withDefault[2] : undefined,
      });
    }
    at = close + 1;
  }
  return { source, parts, variable };
}

/** The single value of `key`, or undefined when it has none (absent, empty or multivalued). */
export function variableValue(context: ContextValues, key: string): string | undefined {
  const values = context.get(key);
  return values !== undefined && values.length === 1 ? values[0] : undefined;
}

/** The template's text with variables replaced; undefined when a variable has no value. */
export function resolveText(template: Template, context: ContextValues): string | undefined {
  if (!template.variable) return template.source;
  let out = '';
  for (const part of template.parts) {
    if (part.kind !== 'variable') out += part.text;
    else {
      const value = variableValue(context, part.key) ?? part.fallback;
      if (value === undefined) return undefined;
      out += value;
    }
  }
  return out;
}

/**
 * The template as a wildcard pattern: `*`/`?` of its text are wildcards, substituted values and
 * `${*}`-style characters are literal. Undefined when a variable has no value.
 */
export function resolveGlob(template: Template, context: ContextValues, lowerCase = false): Glob | undefined {
  if (!template.variable) return compileGlob(template.source, lowerCase);
  const parts: GlobPart[] = [];
  for (const part of template.parts) {
    if (part.kind === 'pattern') {
      parts.push(...compileParts(part.text));
    } else if (part.kind === 'literal') parts.push(part.text);
    else {
      const value = variableValue(context, part.key) ?? part.fallback;
      if (value === undefined) return undefined;
      parts.push(value);
    }
  }
  return globOf(parts, lowerCase);
}

/** The keys a template reads, as the policy writes them. */
export function templateKeys(template: Template): string[] {
  const keys: string[] = [];
  for (const part of template.parts) if (part.kind === 'variable') keys.push(part.name);
  return keys;
}

function compileParts(text: string): GlobPart[] {
  const parts: GlobPart[] = [];
  let literal = '';
  for (const ch of text) {
    if (ch === '*' || ch === '?') {
      if (literal) parts.push(literal);
      literal = '';
      parts.push(ch === '*' ? GLOB_STAR : GLOB_QMARK);
    } else literal += ch;
  }
  if (literal) parts.push(literal);
  return parts;
}
