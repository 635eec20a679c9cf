/**
 * Resource tags of CloudTrail (trails, event data stores, channels): the TagsList of CreateTrail,
 * CreateEventDataStore, CreateChannel, AddTags and RemoveTags, and how AddTags and RemoveTags change
 * a resource's tags. Pure functions that throw the ServiceError AWS answers with; every tag arrives
 * in a request body, so it is attacker-controlled and lengths are checked before patterns run.
 *
 * Sources: the botocore model cloudtrail/2013-11-01 (TagsList, Tag, AddTags, RemoveTags,
 * TagsLimitExceededException, InvalidTagParameterException).
 */
import { ServiceError } from '../errors.ts';
import { expectArray, expectObject, optionalString } from '../input.ts';

/** AddTags doc and TagsLimitExceededException doc in the model: "Currently, the limit is 50." */
export const MAX_TAGS_PER_RESOURCE = 50;

/** The model's TagsList shape: at most 200 entries in one request. */
const MAX_TAGS_PER_REQUEST = 200;
const MAX_TAG_KEY_CHARS = 128;
const MAX_TAG_VALUE_CHARS = 256;

export interface Tag {
  Key: string;
  Value?: string;
}

function invalidTag(message: string): ServiceError {
  return new ServiceError('InvalidTagParameterException', message);
}

/**
 * The character class older CloudTrail docs give for InvalidTagParameterException:
 * ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$ (letters, separators, numbers and _ . : / = + - @).
 */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * A TagsList member (CreateTrail, AddTags, RemoveTags): a list of {Key, Value?}. Wrong JSON types
 * are SerializationException; a key must be 1-128 characters, a value 0-256 (the model says 1-256
 * but AddTags documents a key without value), both from TAG_TEXT. Keys starting with `aws:` are
 * refused as AWS reserves that prefix across services; one key twice in a request is refused
 * (InvalidTagParameterException doc: "duplicate tags").
 */
export function parseTagsList(value: unknown, name = 'TagsList'): Tag[] {
  const items = expectArray(value, name);
  if (items.length > MAX_TAGS_PER_REQUEST) {
    throw invalidTag(
      `${name} holds ${items.length} tags; a request may carry at most ${MAX_TAGS_PER_REQUEST}.`,
    );
  }
  const seen = new Set<string>();
  return items.map((item, i) => {
    const member = expectObject(item, `${name}[${i}]`);
    const key = optionalString(member['Key'], `${name}[${i}].Key`);
    const tagValue = optionalString(member['Value'], `${name}[${i}].Value`);
    if (key === undefined) throw invalidTag(`${name}[${i}] has no Key; every tag needs a key.`);
    const keyChars = [...key].length;
    if (keyChars < 1 || keyChars > MAX_TAG_KEY_CHARS) {
      throw invalidTag(
        `Tag key must be 1 to ${MAX_TAG_KEY_CHARS} characters long; ${JSON.stringify(key)} has ${keyChars}.`,
      );
    }
    if (!TAG_TEXT.test(key)) {
      throw invalidTag(
        `Tag key ${JSON.stringify(key)} may hold only letters, numbers, spaces and _ . : / = + - @.`,
      );
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw invalidTag(`Tag key ${JSON.stringify(key)} uses the reserved prefix aws:.`);
    }
    if (tagValue !== undefined) {
      const valueChars = [...tagValue].length;
      if (valueChars > MAX_TAG_VALUE_CHARS) {
        throw invalidTag(
          `Tag value for key ${JSON.stringify(key)} must be at most ${MAX_TAG_VALUE_CHARS} characters; it has ${valueChars}.`,
        );
      }
      if (!TAG_TEXT.test(tagValue)) {
        throw invalidTag(
          `Tag value for key ${JSON.stringify(key)} may hold only letters, numbers, spaces and _ . : / = + - @.`,
        );
      }
    }
    if (seen.has(key)) throw invalidTag(`Tag key ${JSON.stringify(key)} appears more than once in ${name}.`);
    seen.add(key);
    return tagValue === undefined ? { Key: key } : { Key: key, Value: tagValue };
  });
}

/**
 * AddTags: a key already on the resource takes the new value (or loses its value when the new tag
 * has none, as AWS stores a key without value as null); new keys are appended. More than 50 tags
 * afterwards is TagsLimitExceededException and nothing changes. `resource` names the kind of
 * resource in that error's message.
 */
export function mergeTags(existing: Tag[], added: Tag[], resource = 'a trail'): Tag[] {
  const byKey = new Map<string, Tag>();
  for (const tag of existing) byKey.set(tag.Key, tag);
  for (const tag of added) byKey.set(tag.Key, tag);
  if (byKey.size > MAX_TAGS_PER_RESOURCE) {
    throw new ServiceError(
      'TagsLimitExceededException',
      `The resource would have ${byKey.size} tags; ${resource} may have at most ${MAX_TAGS_PER_RESOURCE}.`,
    );
  }
  return [...byKey.values()].map((tag) => ({ ...tag }));
}

/**
 * RemoveTags: removes each tag whose key is listed. A listed tag that also gives a Value removes
 * the key only when the stored value equals it (moto's reading; AWS does not document it, and the
 * AWS CLI example passes keys only). Keys not on the resource are ignored.
 */
export function removeTags(existing: Tag[], removed: Tag[]): Tag[] {
  const byKey = new Map<string, Tag>();
  for (const tag of removed) byKey.set(tag.Key, tag);
  return existing
    .filter((tag) => {
      const match = byKey.get(tag.Key);
      return match === undefined || (match.Value !== undefined && match.Value !== tag.Value);
    })
    .map((tag) => ({ ...tag }));
}
