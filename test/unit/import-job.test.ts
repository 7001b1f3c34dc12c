import { describe, expect, it } from 'vitest';
import type { Contact } from '../../shared/contacts/contact';
import type { Definitions } from '../../shared/contacts/definitions';
import { importedContactId } from '../../shared/imports/job/ids';
import { parseUploadKey, sanitiseFileName, uploadKey } from '../../shared/imports/job/imports';
import { canTransition, importStatuses, isFinished, statusesBefore } from '../../shared/imports/job/model';
import { differences, importedValues, mergeImported, missingRequired } from '../../shared/imports/job/policy';
import { csvCell, csvLine } from '../../shared/imports/job/report';

const defs: Definitions = {
  fields: [
    { id: 'f1', name: 'tier', label: { en: 'Tier' }, type: 'single_choice', required: false, validation: { options: ['Gold', 'Silver'] }, revision: 1, createdAt: '', updatedAt: '' },
    { id: 'f2', name: 'points', label: { en: 'Points' }, type: 'number', required: true, validation: { integer: true }, revision: 1, createdAt: '', updatedAt: '' },
    { id: 'f3', name: 'vip', label: { en: 'VIP' }, type: 'boolean', required: false, validation: {}, revision: 1, createdAt: '', updatedAt: '' },
  ],
  groups: [],
  categories: [],
};

const stored: Contact = {
  id: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
  email: 'a@b.tw',
  name: 'Old',
  tags: ['vip'],
  status: 'active',
  score: 0,
  groups: ['g1'],
  subscriptions: { news: 'unsubscribed' },
  custom: { f1: 'Silver' },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 3,
};

describe('import job state machine', () => {
  it('allows only the documented moves', () => {
    expect(canTransition('awaiting_upload', 'ready')).toBe(true);
    expect(canTransition('awaiting_upload', 'queued')).toBe(false);
    expect(canTransition('ready', 'queued')).toBe(true);
    expect(canTransition('queued', 'running')).toBe(true);
    expect(canTransition('running', 'running')).toBe(true);
    expect(canTransition('running', 'completed')).toBe(true);
    expect(canTransition('completed', 'running')).toBe(false);
    expect(canTransition('failed', 'queued')).toBe(false);
    expect(statusesBefore('running')).toEqual(['queued', 'running']);
    expect(statusesBefore('failed')).toEqual(['awaiting_upload', 'ready', 'queued', 'running']);
    expect(importStatuses.filter(isFinished)).toEqual(['completed', 'failed']);
  });

  it('gives each (import, row) one stable contact id, shaped like every other', () => {
    const a = importedContactId('imp1', Date.parse('2026-03-01T00:00:00Z'), 7);
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(importedContactId('imp1', Date.parse('2026-03-01T00:00:00Z'), 7)).toBe(a);
    expect(importedContactId('imp1', Date.parse('2026-03-01T00:00:00Z'), 8)).not.toBe(a);
    expect(importedContactId('imp2', Date.parse('2026-03-01T00:00:00Z'), 7)).not.toBe(a);
  });

  it('keeps upload keys inside the import folder', () => {
    expect(sanitiseFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitiseFileName('客戶 名單.csv')).toBe('客戶 名單.csv');
    expect(sanitiseFileName('a\u0000b?.csv')).toBe('a_b_.csv');
    const key = uploadKey('ws1', '01ARZ3NDEKTSV4RRFFQ69G5FAV', 'C:\\lists\\x.csv');
    expect(key).toBe('imports/ws1/01ARZ3NDEKTSV4RRFFQ69G5FAV/x.csv');
    expect(parseUploadKey(key)).toEqual({ workspaceId: 'ws1', importId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' });
    expect(parseUploadKey('import-reports/ws1/01ARZ3NDEKTSV4RRFFQ69G5FAV/report.csv')).toBeUndefined();
  });
});

describe('imported values and duplicate policies', () => {
  it('types custom cells and refuses values the field does not allow', () => {
    const ok = importedValues({ email: 'a@b.tw', 'custom.tier': 'gold', 'custom.points': '1,200', 'custom.vip': '是' }, [], defs);
    expect(ok.errors).toEqual([]);
    expect(ok.values.custom).toEqual({ f1: 'Gold', f2: 1200, f3: true });
    const bad = importedValues({ 'custom.tier': 'Bronze', 'custom.points': '1.5', 'custom.gone': 'x' }, [], defs);
    expect(bad.errors.map((e) => e.field).sort()).toEqual(['custom.gone', 'custom.points', 'custom.tier']);
    expect(missingRequired(ok.values, defs)).toEqual([]);
    expect(missingRequired({ standard: {}, tags: [], custom: {} }, defs)).toEqual([{ field: 'custom.points', message: 'Required' }]);
  });

  const values = { standard: { email: 'a@b.tw', name: 'New', city: '台北' }, tags: ['new'], custom: { f1: 'Gold', f2: 5 } };
  const extras = { groupIds: ['g2'], subscribe: ['news', 'offers'] };

  it('update: the file wins for the values it has; nothing is cleared', () => {
    const { next, changed } = mergeImported(stored, values, 'update', extras);
    expect(changed).toBe(true);
    expect(next).toMatchObject({ name: 'New', city: '台北', custom: { f1: 'Gold', f2: 5 }, tags: ['vip', 'new'], groups: ['g1', 'g2'] });
    // Someone who unsubscribed is never re-subscribed by an import.
    expect(next.subscriptions).toEqual({ news: 'unsubscribed', offers: 'subscribed' });
  });

  it('updateEmpty: only fields the contact lacks are filled', () => {
    const { next } = mergeImported(stored, values, 'updateEmpty', extras);
    expect(next).toMatchObject({ name: 'Old', city: '台北', custom: { f1: 'Silver', f2: 5 }, tags: ['vip'] });
  });

  it('re-applying the same row changes nothing (a retried update is a no-op)', () => {
    const once = mergeImported(stored, values, 'update', extras).next;
    expect(mergeImported(once, values, 'update', extras).changed).toBe(false);
    expect(mergeImported(once, values, 'updateEmpty', extras).changed).toBe(false);
  });

  it('compare lists the differing fields, custom ones by name', () => {
    expect(differences(stored, values, defs)).toEqual([
      { field: 'name', stored: 'Old', imported: 'New' },
      { field: 'city', stored: '', imported: '台北' },
      { field: 'custom.tier', stored: 'Silver', imported: 'Gold' },
      { field: 'custom.points', stored: '', imported: '5' },
      { field: 'tags', stored: 'vip', imported: 'new' },
    ]);
    expect(differences(stored, { standard: { email: 'a@b.tw', name: 'Old' }, tags: [], custom: {} }, defs)).toEqual([]);
  });
});

describe('report CSV', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas, but keeps phone numbers', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+886912345678')).toBe('+886912345678');
    expect(csvCell('-cmd')).toBe("'-cmd");
    expect(csvLine({ row: 3, outcome: 'corrected', field: 'email', original: 'a@gmial.com', corrected: 'a@gmail.com', reason: 'email.domain-typo' })).toBe(
      '3,corrected,email,a@gmial.com,a@gmail.com,email.domain-typo\r\n',
    );
  });
});
