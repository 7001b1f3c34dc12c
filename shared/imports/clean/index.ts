/** Import cleaning: row correction and validation (cleanRow) and within-file duplicates (createDeduper). See README.md. */
export { cleanRow, type CleanOptions, type KeywordFilter } from './clean-row';
export { createDeduper, keyValue, type Deduper, type DeduperOptions } from './dedupe';
export { cleanEmail, type EmailResult } from './email';
export { domainTypos, suffixTypos } from './email-typos';
export { foldForMatch, nfkcStable, normaliseText, parseBirthday, parseGender, parseLanguage, parseTags } from './fields';
export { toE164, type PhoneResult } from './phone';
export { channelFields, type Change, type ChannelField, type CleanedRow, type Reason } from './types';
