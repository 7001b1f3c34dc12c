/**
 * Mobile and fax numbers to E.164 with libphonenumber-js and a default region (as the contacts API
 * does in schemas.ts), plus a fast path for the commonest shape in Taiwanese lists, 09xx-xxx-xxx,
 * which libphonenumber would map to the same +8869xxxxxxxx (a unit test holds the two equal).
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export type PhoneResult = { readonly ok: true; readonly e164: string } | { readonly ok: false; readonly message: string };

const separators = /[\s\-().\u2010-\u2015\u2212]/g;

export function toE164(raw: string, region: CountryCode): PhoneResult {
  // NFKC turns full-width digits and ＋ into ASCII; skip it for plain ASCII (the common case).
  const value = /^[\x20-\x7e]*$/.test(raw) ? raw : raw.normalize('NFKC');
  const compact = value.replace(separators, '');
  if (region === 'TW') {
    const mobile = /^(?:\+886|0)(9\d{8})$/.exec(compact);
    if (mobile) return { ok: true, e164: `+886${mobile[1]}` };
  }
  const digits = compact.replace(/\D/g, '').length;
  if (!/^\+?[0-9]+(?:(?:#|ext|x)[0-9]{1,6})?$/i.test(compact)) return { ok: false, message: `"${raw}" is not a phone number` };
  if (digits < 6 || digits > 20) return { ok: false, message: `"${raw}" has ${digits} digits; a phone number has 6 to 20` };
  const parsed = parsePhoneNumberFromString(value, region);
  if (!parsed?.isValid()) return { ok: false, message: `"${raw}" is not a valid number for ${parsed?.country ?? region}` };
  return { ok: true, e164: parsed.number };
}
