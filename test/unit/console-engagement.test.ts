import { describe, expect, test } from 'vitest';
import { defaultEngagementSettings as apiDefaults, scoredEventTypes as apiScoredTypes } from '../../shared/engagement/model';
import { lakeEventTypes } from '../../shared/lake/event';
import {
  appendPage,
  campaignLink,
  campaignRates,
  decayedPoints,
  defaultEngagementSettings,
  deviceText,
  linkMergeTags,
  machineReasonOf,
  machineReasons,
  percentText,
  placeText,
  rate,
  rateBase,
  scoredEventTypes,
  settingsFormOf,
  settingsInputOf,
  settingsProblems,
  timelineTypes,
  type CampaignEngagement,
} from '../../console/src/engagement-api';
import { en } from '../../console/src/i18n/en';
import { engagementEn } from '../../console/src/i18n/engagement.en';
import { engagementZhTW } from '../../console/src/i18n/engagement.zh-TW';
import { translate } from '../../console/src/i18n/language';

const engagement = (overrides: Partial<CampaignEngagement> = {}): CampaignEngagement => ({
  campaignId: 'c1',
  sent: 200,
  delivered: 190,
  bounced: 10,
  complained: 1,
  opens: { total: 120, unique: 76, machine: 40 },
  clicks: { total: 30, unique: 19, machine: 7 },
  pageViews: 5,
  unsubscribes: 2,
  forwards: 3,
  comments: 1,
  ...overrides,
});

describe('console engagement lists follow the API', () => {
  test('the timeline knows every lake event type, the settings every scored one, in the API’s order', () => {
    expect([...timelineTypes].sort()).toEqual([...lakeEventTypes].sort());
    expect(scoredEventTypes).toEqual(apiScoredTypes);
    expect(defaultEngagementSettings).toEqual(apiDefaults);
  });

  test('every event type, machine reason and link tag has wording in both languages', () => {
    for (const type of timelineTypes) expect(Object.hasOwn(en, `timelineType.${type}`), type).toBe(true);
    for (const type of scoredEventTypes) {
      expect(Object.hasOwn(en, `weight.${type}`), type).toBe(true);
      expect(Object.hasOwn(en, `weightHint.${type}`), type).toBe(true);
    }
    for (const reason of machineReasons) expect(Object.hasOwn(en, `machineReason.${reason}`), reason).toBe(true);
    for (const link of linkMergeTags) {
      expect(Object.hasOwn(en, `mergeTag.${link.id}`), link.id).toBe(true);
      expect(Object.hasOwn(en, `mergeTagHint.${link.id}`), link.id).toBe(true);
    }
    expect(translate('zh-TW', 'timelineType.page_view')).toBe('瀏覽網頁');
    expect(translate('zh-TW', 'machineReason.apple-mpp')).toBe('Apple 隱私保護預取');
    expect(translate('en', 'machineReason.security-scanner')).toBe('Link scanner');
  });

  test('the engagement catalogues carry the same keys, and are merged into the console’s', () => {
    expect(Object.keys(engagementZhTW).sort()).toEqual(Object.keys(engagementEn).sort());
    for (const key of Object.keys(engagementEn)) expect(Object.hasOwn(en, key), key).toBe(true);
  });

  test('the three new link tags are offered beside the unsubscribe link', () => {
    expect(linkMergeTags.map((link) => link.tag)).toEqual(['{{ unsubscribe_url }}', '{{ forward_url }}', '{{ comment_url }}', '{{ subscribe_url }}']);
  });
});

describe('timeline wording', () => {
  test('a place is city, region, country, each once, the country named when a namer is given', () => {
    expect(placeText({ city: 'Taipei', region: 'Taipei City', country: 'TW' })).toBe('Taipei, Taipei City, TW');
    expect(placeText({ city: 'Taipei', region: 'taipei', country: 'TW' }, (code) => (code === 'TW' ? 'Taiwan' : undefined))).toBe('Taipei, Taiwan');
    expect(placeText({ country: 'tw' }, () => '臺灣')).toBe('臺灣');
    expect(placeText({ country: 'Taiwan' }, () => 'never used')).toBe('Taiwan');
    expect(placeText({ city: '  ' })).toBeUndefined();
    expect(placeText(undefined)).toBeUndefined();
  });

  test('a device is OS · client, else its type', () => {
    expect(deviceText({ os: 'iOS', client: 'Apple Mail', deviceType: 'mobile' })).toBe('iOS · Apple Mail');
    expect(deviceText({ client: 'Gmail' })).toBe('Gmail');
    expect(deviceText({ deviceType: 'desktop' })).toBe('desktop');
    expect(deviceText({})).toBeUndefined();
    expect(deviceText(undefined)).toBeUndefined();
  });

  test('a known machine reason has its own wording; an unknown one is shown as given', () => {
    expect(machineReasonOf('apple-mpp')).toBe('apple-mpp');
    expect(machineReasonOf(' Security-Scanner ')).toBe('security-scanner');
    expect(machineReasonOf('gremlins')).toBeUndefined();
    expect(machineReasonOf(undefined)).toBeUndefined();
  });

  test('a campaign links to its page', () => {
    expect(campaignLink('cmp 1')).toBe('#/campaigns/cmp%201');
  });

  test('a further page adds only entries not already shown', () => {
    expect(appendPage([{ id: 'a' }, { id: 'b' }], [{ id: 'b' }, { id: 'c' }]).map((e) => e.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('campaign rates', () => {
  test('rates are unique people over the delivered; machine activity counts nowhere', () => {
    const rates = campaignRates(engagement());
    expect(rates.open).toBeCloseTo(76 / 190);
    expect(rates.click).toBeCloseTo(19 / 190);
    expect(rates.clickToOpen).toBeCloseTo(19 / 76);
    expect(rates.unsubscribe).toBeCloseTo(2 / 190);
    expect(rates.bounce).toBeCloseTo(10 / 200);
    // More machine opens change nothing.
    expect(campaignRates(engagement({ opens: { total: 120, unique: 76, machine: 4000 } })).open).toBe(rates.open);
  });

  test('before any delivery report the rates are over the sent; with nothing sent there are none', () => {
    expect(rateBase(engagement({ delivered: 0 }))).toBe(200);
    expect(campaignRates(engagement({ delivered: 0 })).open).toBeCloseTo(76 / 200);
    const none = campaignRates(engagement({ sent: 0, delivered: 0, bounced: 0, opens: { total: 0, unique: 0, machine: 0 }, clicks: { total: 0, unique: 0, machine: 0 } }));
    expect(none.open).toBeUndefined();
    expect(none.clickToOpen).toBeUndefined();
    expect(rate(1, 0)).toBeUndefined();
  });

  test('a rate reads as a percentage in the console’s language, a dash when there is none', () => {
    expect(percentText(0.4, 'en-GB')).toBe('40%');
    expect(percentText(76 / 190, 'en-GB')).toBe('40%');
    expect(percentText(0.12345, 'zh-TW')).toBe('12.3%');
    expect(percentText(undefined, 'en-GB')).toBe('—');
  });
});

describe('engagement score settings', () => {
  test('the form round-trips the API’s settings', () => {
    const form = settingsFormOf(apiDefaults);
    expect(form.weights.unsubscribe).toBe('-10');
    expect(settingsProblems(form)).toEqual({});
    expect(settingsInputOf(form)).toEqual({ weights: apiDefaults.weights, halfLifeDays: 90 });
  });

  test('weights are whole numbers from −100 to 100 and the half-life 1 to 3650 days, by the API’s field names', () => {
    const form = settingsFormOf(apiDefaults);
    form.weights.open = '1.5';
    form.weights.click = '101';
    form.weights.complaint = '-100';
    form.weights.bounce = '−5';
    form.weights.forward = '';
    form.halfLifeDays = '0';
    expect(settingsProblems(form)).toEqual({ 'weights.open': 'integer', 'weights.click': 'range', 'weights.forward': 'integer', halfLifeDays: 'range' });
    form.halfLifeDays = '3651';
    expect(settingsProblems(form).halfLifeDays).toBe('range');
    form.halfLifeDays = '3650';
    expect(settingsProblems(form).halfLifeDays).toBeUndefined();
    form.weights.open = '1';
    form.weights.click = '100';
    form.weights.forward = '5';
    expect(settingsInputOf(form).weights).toMatchObject({ bounce: -5, complaint: -100, click: 100 });
  });

  test('points halve every half-life', () => {
    expect(decayedPoints(4, 90, 90)).toBeCloseTo(2);
    expect(decayedPoints(4, 180, 90)).toBeCloseTo(1);
    expect(decayedPoints(-10, 0, 90)).toBe(-10);
  });
});
