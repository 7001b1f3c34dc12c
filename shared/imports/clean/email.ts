/**
 * E-mail auto-correction (OMICard's 自動矯正名單來源) and validation for imported rows.
 *
 * Each rule fixes one kind of slip people make typing addresses into spreadsheets and is recorded
 * as a Change with its rule id, in the order applied. Lower-casing and trimming the ends are the
 * storage normalisation the contacts API applies anyway, so they are not recorded. After the rules,
 * the address must pass the same check the contacts API uses (schemas.ts) or the row gets a Reason
 * naming what is wrong.
 */
import { createContactSchema } from '../../contacts/schemas';
import { domainTypos, suffixTypos } from './email-typos';
import { type Change, type Reason } from './types';

export interface EmailResult {
  /** The corrected address, absent when the cell was empty or the address is invalid. */
  readonly value?: string;
  readonly changes: readonly Change[];
  readonly reason?: Reason;
}

const contactEmail = createContactSchema.shape.email;
const printableAscii = /^[\x21-\x7e]*$/;

type Rule = readonly [id: string, apply: (value: string) => string];

// Order matters: width first (so ＠ and ． are seen as @ and .), separators before dots.
const rules: readonly Rule[] = [
  ['email.fullwidth', (v) => (printableAscii.test(v) ? v : v.normalize('NFKC'))],
  ['email.ideographic-dot', (v) => v.replace(/[。｡]/g, '.')],
  ['email.wrapper', unwrap],
  ['email.spaces', (v) => v.replace(/\s+/g, '')],
  ['email.trailing-dot', (v) => v.replace(/[.,;]+$/, '')],
  ['email.leading-dot', (v) => v.replace(/^[.,;]+/, '')],
  ['email.comma-for-dot', (v) => v.replace(/[,;]/g, '.')],
  ['email.double-at', (v) => v.replace(/@{2,}/g, '@')],
  ['email.double-dot', (v) => v.replace(/\.{2,}/g, '.')],
  ['email.dot-at', (v) => v.replace(/\.+@\.*|@\.+/g, '@')],
];

/** `mailto:x@y`, `<x@y>`, `Name <x@y>`, `"x@y"` → `x@y`. */
function unwrap(value: string): string {
  let v = value.replace(/^mailto:/i, '');
  const angled = /^[^<>]*<([^<>]*)>\s*$/.exec(v);
  if (angled) v = angled[1]!;
  const quoted = /^\s*(["'])(.*)\1\s*$/.exec(v);
  if (quoted) v = quoted[2]!;
  return v.trim();
}

/** More than one thing that looks like an address, e.g. `a@x.com; b@y.com`: not ours to pick one. */
function holdsSeveral(value: string): boolean {
  let count = 0;
  for (const part of value.split(/[\s,;、，；]+/)) {
    if (/^[^@]+@[^@]+\.[^@]+$/.test(part) && (count += 1) > 1) return true;
  }
  return false;
}

/**
 * The shape almost every address in a list already has. Nothing in `rules` can change such an
 * address, so it skips them (only the domain table applies), and it is valid if zod agrees.
 */
const plainAddress = /^[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function cleanEmail(raw: string, field = 'email'): EmailResult {
  let value = raw.trim();
  if (!value) return { changes: [] };
  const changes: Change[] = [];
  if (!plainAddress.test(value)) {
    const ascii = printableAscii.test(value) ? value : value.normalize('NFKC');
    if (ascii.indexOf('@') !== ascii.lastIndexOf('@') && holdsSeveral(ascii)) {
      return rejected(field, changes, 'several', `Holds more than one address ("${value}"); give one per row`);
    }
    for (const [rule, apply] of rules) {
      const next = apply(value);
      if (next !== value) {
        changes.push({ field, from: value, to: next, rule });
        value = next;
      }
    }
  }
  value = value.toLowerCase();
  if (!value) return rejected(field, changes, 'empty', `"${raw.trim()}" has no address in it`);

  const at = value.lastIndexOf('@');
  if (at > 0) {
    const domain = value.slice(at + 1);
    const intended = domainTypos.get(domain) ?? fixSuffix(domain);
    if (intended) {
      const next = `${value.slice(0, at + 1)}${intended}`;
      changes.push({ field, from: value, to: next, rule: domainTypos.has(domain) ? 'email.domain-typo' : 'email.tld-typo' });
      value = next;
    }
  }

  const fine = value.length <= 254 && at <= 64 && plainAddress.test(value) && contactEmail.safeParse(value).success;
  const problem = fine ? undefined : diagnose(value);
  if (problem) return rejected(field, changes, problem[0], problem[1]);
  return { value, changes };
}

function rejected(field: string, changes: readonly Change[], code: string, message: string): EmailResult {
  return { changes, reason: { field, code: `email.${code}`, message } };
}

function fixSuffix(domain: string): string | undefined {
  for (const [typo, intended] of suffixTypos) {
    if (domain.endsWith(typo) && domain.length > typo.length) return domain.slice(0, -typo.length) + intended;
  }
  return undefined;
}

const domainLabel = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const localPart = /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;

/** What is wrong with an address the rules could not fix, as [code, message]; undefined if nothing. */
function diagnose(value: string): readonly [string, string] | undefined {
  if (value.length > 254) return ['too-long', `"${value.slice(0, 40)}…" is longer than the 254 characters an address may have`];
  const at = value.indexOf('@');
  if (at < 0) return ['missing-at', `"${value}" has no @`];
  if (value.indexOf('@', at + 1) >= 0) return ['several-at', `"${value}" has more than one @`];
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (!local) return ['missing-local', `"${value}" has nothing before the @`];
  if (!domain) return ['missing-domain', `"${value}" has nothing after the @`];
  if (local.length > 64) return ['local-too-long', `The part before the @ in "${value}" is longer than 64 characters`];
  const foreign = /[^\x21-\x7e]/.exec(value);
  if (foreign) return ['characters', `"${value}" contains "${foreign[0]}"; only ASCII letters, digits and . _ - + may be used`];
  const badLocal = /[^a-z0-9!#$%&'*+/=?^_`{|}~.-]/.exec(local);
  if (badLocal || !localPart.test(local)) return ['characters', `"${badLocal?.[0] ?? local}" is not allowed before the @ in "${value}"`];
  if (!domain.includes('.')) return ['domain-no-dot', `The domain "${domain}" has no dot; expected something like ${domain}.com`];
  const labels = domain.split('.');
  const badLabel = labels.find((label) => !domainLabel.test(label));
  if (badLabel !== undefined) return ['domain', `"${badLabel}" is not a valid part of the domain "${domain}"`];
  const tld = labels[labels.length - 1]!;
  if (!/^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(tld)) return ['tld', `"${tld}" is not a top-level domain (in "${domain}")`];
  // Last, the very check the contacts API applies, so an accepted row is always storable.
  if (!contactEmail.safeParse(value).success) return ['invalid', `"${value}" is not a valid e-mail address`];
  return undefined;
}
