/**
 * cleanRow: one imported row (contact field name → cell text, after column mapping) to a cleaned
 * row, a rejected one with reasons, or a filtered one. Pure: the same row and options always give
 * the same result, so a retried import cleans identically.
 *
 * Per field:
 * - every value: ends trimmed (not recorded); empty → absent.
 * - email: auto-corrected (email.ts); still invalid → the row is rejected, unless `email` is in
 *   `dropInvalid` and another channel remains.
 * - mobile, fax: E.164 with `region` (`mobile.e164`); invalid → dropped with a change
 *   (`mobile.invalid-dropped`) when the row still has another valid channel, else the row is
 *   rejected (`mobile.invalid`). A bad number shouldn't cost the contact its good e-mail, but a row
 *   whose only way to reach the person is unusable is worth nothing. `dropInvalid` chooses which
 *   channels get this leniency (mobile and fax by default).
 * - gender, birthday, language: parsed (fields.ts); unrecognised → dropped with a change.
 * - tags: split into `tags` (not in `fields`); over-long tags dropped with a change.
 * - anything else (name, company, custom fields…): NFKC, white space collapsed (`text.nfkc`,
 *   `text.whitespace` when that changed something).
 * Then: at least one channel must remain (`row.no-channel`) and every `required` field must be
 * present (`row.required`). Keyword filters are checked last and win over rejection: a row the
 * user asked to drop is reported as filtered, whatever else is wrong with it.
 */
import { type CountryCode } from 'libphonenumber-js';
import { defaultPhoneRegion } from '../../contacts/schemas';
import { cleanEmail } from './email';
import { foldForMatch, nfkcStable, normaliseText, parseBirthday, parseGender, parseLanguage, parseTags } from './fields';
import { toE164 } from './phone';
import { type Change, type ChannelField, type CleanedRow, type Reason, channelFields } from './types';

export interface KeywordFilter {
  /** Drop a row when any of these appears in it (substring; case- and width-insensitive). */
  readonly keywords: readonly string[];
  /** Fields to look in; all fields when absent. */
  readonly fields?: readonly string[];
}

export interface CleanOptions {
  /** Region for numbers written without a country code; TW by default. */
  readonly region?: CountryCode;
  readonly filters?: readonly KeywordFilter[];
  /** Fields that must have a value after cleaning. At least one channel is always required. */
  readonly required?: readonly string[];
  /** Channels dropped (not rejected) when invalid, if another channel remains. Default mobile, fax. */
  readonly dropInvalid?: readonly ChannelField[];
}

const tagMaxLength = 50;
const tagsMax = 50;

interface CompiledFilter {
  readonly keywords: readonly (readonly [original: string, folded: string])[];
  readonly fields?: ReadonlySet<string>;
}

// Filters are folded once per options object, not once per row (options are reused for a file).
const compiled = new WeakMap<readonly KeywordFilter[], readonly CompiledFilter[]>();
function compileFilters(filters: readonly KeywordFilter[]): readonly CompiledFilter[] {
  let result = compiled.get(filters);
  if (!result) {
    result = filters.map((filter) => ({
      keywords: filter.keywords.map((k) => [k, foldForMatch(k)] as const).filter(([, folded]) => folded !== ''),
      fields: filter.fields ? new Set(filter.fields) : undefined,
    }));
    compiled.set(filters, result);
  }
  return result;
}

export function cleanRow(input: Readonly<Record<string, string>>, options: CleanOptions = {}): CleanedRow {
  const region = options.region ?? defaultPhoneRegion;
  const dropInvalid = options.dropInvalid ?? ['mobile', 'fax'];
  const fields: Record<string, string> = {};
  const changes: Change[] = [];
  const reasons: Reason[] = [];
  const invalidChannels: Reason[] = [];
  let tags: string[] = [];

  for (const [field, raw] of Object.entries(input)) {
    const value = raw.trim();
    if (!value) continue;
    switch (field) {
      case 'email': {
        const result = cleanEmail(value, field);
        for (const change of result.changes) changes.push(change);
        if (result.value) fields[field] = result.value;
        else if (result.reason) invalidChannels.push(result.reason);
        break;
      }
      case 'mobile':
      case 'fax': {
        const result = toE164(value, region);
        if (result.ok) {
          if (result.e164 !== value) changes.push({ field, from: value, to: result.e164, rule: `${field}.e164` });
          fields[field] = result.e164;
        } else {
          invalidChannels.push({ field, code: `${field}.invalid`, message: result.message });
        }
        break;
      }
      case 'gender':
        parsed(fields, changes, field, value, parseGender(value), 'gender.parse');
        break;
      case 'birthday': {
        const birthday = parseBirthday(value);
        parsed(fields, changes, field, value, birthday?.date, birthday?.roc ? 'birthday.roc' : 'birthday.parse');
        break;
      }
      case 'language':
        parsed(fields, changes, field, value, parseLanguage(value), 'language.parse');
        break;
      case 'tags': {
        const all = parseTags(value);
        tags = all.filter((tag) => tag.length <= tagMaxLength).slice(0, tagsMax);
        if (tags.length !== all.length) changes.push({ field, from: value, to: tags.join(', '), rule: 'tags.limit' });
        break;
      }
      default: {
        const text = normaliseText(value);
        if (text !== value) {
          const nfkc = nfkcStable.test(value) ? value : value.normalize('NFKC');
          changes.push({ field, from: value, to: text, rule: nfkc !== value ? 'text.nfkc' : 'text.whitespace' });
        }
        fields[field] = text;
      }
    }
  }

  // Plain loops, no callbacks: this runs a million times per import.
  let hasChannel = false;
  for (const channel of channelFields) if (fields[channel] !== undefined) hasChannel = true;
  for (const reason of invalidChannels) {
    const field = reason.field as ChannelField;
    if (hasChannel && dropInvalid.includes(field)) {
      changes.push({ field, from: input[field]!.trim(), to: '', rule: `${field}.invalid-dropped` });
    } else {
      reasons.push(reason);
    }
  }
  if (!hasChannel && invalidChannels.length === 0) {
    reasons.push({ field: 'email', code: 'row.no-channel', message: 'Has no e-mail, mobile or fax' });
  }
  for (const field of options.required ?? []) {
    let reported = false;
    for (const reason of reasons) if (reason.field === field) reported = true;
    if (fields[field] === undefined && (field !== 'tags' || tags.length === 0) && !reported) {
      reasons.push({ field, code: 'row.required', message: `${field} is required` });
    }
  }

  const hit = options.filters?.length ? findKeyword(input, fields, tags, compileFilters(options.filters)) : undefined;
  if (hit) return { outcome: 'filtered', keyword: hit.keyword, field: hit.field, changes };
  if (reasons.length) return { outcome: 'rejected', reasons, changes };
  return { outcome: 'ok', fields, tags, changes };
}

/** Records a parsed value, or drops an unrecognised one (recorded, never a reason to reject). */
function parsed(fields: Record<string, string>, changes: Change[], field: string, value: string, result: string | undefined, rule: string): void {
  if (result === undefined) {
    changes.push({ field, from: value, to: '', rule: `${field}.unrecognised` });
  } else {
    if (result !== value) changes.push({ field, from: value, to: result, rule });
    fields[field] = result;
  }
}

/** The first keyword found in the row as given or as cleaned (so ＳＰＡＭ and typo'd domains match). */
function findKeyword(
  input: Readonly<Record<string, string>>,
  fields: Readonly<Record<string, string>>,
  tags: readonly string[],
  filters: readonly CompiledFilter[],
): { keyword: string; field: string } | undefined {
  // Folded lazily, once per field: most rows are checked against few fields.
  const folded = new Map<string, readonly string[]>();
  for (const filter of filters) {
    for (const field of filter.fields ?? Object.keys(input)) {
      if (!Object.hasOwn(input, field)) continue;
      const raw = input[field]!;
      let values = folded.get(field);
      if (!values) {
        const cleaned = field === 'tags' ? tags.join(',') : fields[field];
        values = cleaned === undefined || cleaned === raw ? [foldForMatch(raw)] : [foldForMatch(raw), foldForMatch(cleaned)];
        folded.set(field, values);
      }
      for (const [keyword, key] of filter.keywords) {
        for (const value of values) if (value.includes(key)) return { keyword, field };
      }
    }
  }
  return undefined;
}
