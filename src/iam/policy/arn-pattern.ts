/**
 * ARN patterns of Resource/NotResource and of the Arn… condition operators ("IAM JSON policy
 * elements: Resource", "…: Condition operators"). An ARN has six colon-separated parts
 * (`arn:partition:service:region:account:resource`, the resource part may hold more colons).
 * Wildcards match within a part: `arn:aws:someservice:*:111122223333:finance/*` does not match
 * `arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt`,
 * because the first `*` only spans `us-east-2`. A `*` that ends a pattern of fewer than six parts
 * expands beyond the colons (`arn:aws:s3:*` covers every S3 ARN). Matching is case-sensitive.
 * Policy variables are allowed only in the resource part.
 */
import { compileGlob, matchGlob, type Glob } from './glob.ts';
import { parseTemplate, resolveGlob, type ContextValues, type Template } from './variables.ts';

export interface ArnPattern {
  readonly source: string;
  /** `*` alone: every resource. */
  readonly all: boolean;
  /** Globs of the parts before the last one. */
  readonly segments: readonly Glob[];
  /** The last part, which may hold variables (only when it is the resource part). */
  readonly tail: Template;
  /** The last part compiled, when it holds no variable. */
  readonly tailGlob: Glob | undefined;
  /** The last part spans the rest of the ARN, colons included (six parts, or a trailing `*`). */
  readonly spansRest: boolean;
  /** A pattern of fewer than six parts without a trailing `*`: it matches only itself. */
  readonly exact: boolean;
}

/** Splits at the first five colons: at most six parts. */
export function splitArn(arn: string): string[] {
  const parts: string[] = [];
  let at = 0;
  for (let i = 0; i < 5; i++) {
    const colon = arn.indexOf(':', at);
    if (colon < 0) break;
    parts.push(arn.slice(at, colon));
    at = colon + 1;
  }
  parts.push(arn.slice(at));
  return parts;
}

export function compileArnPattern(source: string, variables: boolean): ArnPattern {
  const parts = splitArn(source);
  const last = parts[parts.length - 1]!;
  const six = parts.length === 6;
  const spansRest = six || last.endsWith('*');
  const tail = parseTemplate(last, variables && six);
  return {
    source,
    all: source === '*',
    segments: parts.slice(0, -1).map((part) => compileGlob(part)),
    tail,
    tailGlob: tail.variable ? undefined : compileGlob(last),
    spansRest,
    exact: !spansRest,
  };
}

/**
 * Whether `arn` matches; false too when a variable of the pattern has no value ("the resource
 * that includes a policy variable with no value will not match any resource").
 */
export function matchArnPattern(
  pattern: ArnPattern,
  arn: string,
  context: ContextValues,
  /** `splitArn(arn)`, when the caller matches the same ARN against many patterns. */
  parts?: readonly string[],
  /** Resolved variable parts by source, valid for one request context. */
  cache?: Map<string, Glob | undefined>,
): boolean {
  if (pattern.all) return true;
  if (pattern.exact) return pattern.source === arn;
  const value = parts ?? splitArn(arn);
  const { segments } = pattern;
  if (value.length < segments.length + 1) return false;
  for (let i = 0; i < segments.length; i++) {
    if (!matchGlob(segments[i]!, value[i]!)) return false;
  }
  const rest = segments.length === 5 ? value[5]! : value.slice(segments.length).join(':');
  let glob = pattern.tailGlob;
  if (glob === undefined) {
    const source = pattern.tail.source;
    if (cache?.has(source)) glob = cache.get(source);
    else {
      glob = resolveGlob(pattern.tail, context);
      cache?.set(source, glob);
    }
  }
  return glob !== undefined && matchGlob(glob, rest);
}
