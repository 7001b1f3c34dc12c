import { describe, expect, it } from 'vitest';
import type { CampaignContent } from '../../shared/campaigns/model';
import { presendCheck, type PresendFinding, type PresendOptions } from '../../shared/content';
import { compileContext, newsletter } from '../fixtures/content/sample-campaign';

const knownFields = ['name', 'custom.tier', 'custom.interests'];
const options: PresendOptions = { verifiedDomains: ['shop.example.com'], knownFields };

const check = (content: Partial<CampaignContent>, opts: PresendOptions = options): Promise<PresendFinding[]> => presendCheck(newsletter(content), compileContext(), opts);
const codes = (findings: PresendFinding[]): string[] => findings.map((f) => `${f.code}:${f.severity}`);
const page = (body: string): string => `<!DOCTYPE html><html><body>${body}</body></html>`;
const unsubscribe = '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>';
const prose = '<p>Our spring catalogue is here, with new arrivals in every department and free delivery on orders over NT$1,000 until Sunday.</p>';

describe('presendCheck', () => {
  it('finds nothing wrong with a well-made newsletter', async () => {
    expect(await check({})).toEqual([]);
  });

  it('warns when there is no unsubscribe link, and accepts a link that says so', async () => {
    const findings = await check({ html: page(prose) });
    expect(codes(findings)).toEqual(['unsubscribe.missing:warning']);
    expect(findings[0]?.message).toMatch(/no unsubscribe link/);
    expect(await check({ html: page(`${prose}<a href="https://shop.example.com/prefs">取消訂閱</a>`) })).toEqual([]);
  });

  it('warns about a message that is mostly images', async () => {
    const findings = await check({ html: page(`<img src="https://cdn.example.com/hero.jpg"><img src="https://cdn.example.com/b.jpg"><p>Sale!</p>${unsubscribe}`) });
    expect(codes(findings)).toEqual(['images.only:warning']);
    expect(findings[0]?.message).toMatch(/mostly images/);
  });

  it('warns when the plain-text version is empty', async () => {
    const findings = await check({ html: page('<img src="https://cdn.example.com/hero.jpg">'), text: '' });
    expect(codes(findings)).toContain('text.missing:warning');
  });

  it('warns when Gmail would clip the HTML and refuses what SES would not send', async () => {
    const big = await check({ html: page(`${prose.repeat(1000)}${unsubscribe}`) });
    expect(codes(big)).toEqual(['size.large:warning']);
    expect(big[0]?.message).toMatch(/Gmail clips messages over 102 KB/);
    const heavy = await check({ attachments: [{ kind: 'file', key: 'a/catalogue.pdf', name: 'catalogue.pdf', contentType: 'application/pdf', size: 9 * 1024 * 1024 }] });
    expect(codes(heavy)).toEqual(['size.large:error']);
    expect(heavy[0]?.message).toMatch(/about 1\d\.\d MB; Amazon SES accepts at most 10 MB/);
    const linked = await check({ attachments: [{ kind: 'file', key: 'a/catalogue.pdf', name: 'catalogue.pdf', contentType: 'application/pdf', size: 9 * 1024 * 1024, asLink: true }] });
    expect(linked).toEqual([]);
  });

  it('refuses a sender domain that is not verified, and accepts its subdomains', async () => {
    const findings = await check({ fromEmail: 'news@elsewhere.example.org' });
    expect(codes(findings)).toEqual(['sender.unverified:error']);
    expect(findings[0]?.message).toContain('elsewhere.example.org');
    expect(await check({ fromEmail: 'news@mail.shop.example.com' })).toEqual([]);
    expect(await check({ fromEmail: 'news@elsewhere.example.org' }, { knownFields })).toEqual([]);
  });

  it('warns about merge fields that are not contact fields', async () => {
    const findings = await check({ subject: 'Hi {{ nickname }}', html: page(`${prose}{{ custom.vip_level }} {{ custom.tier }} {{ email }}${unsubscribe}`) });
    expect(codes(findings)).toEqual(['merge.unknown:warning']);
    expect(findings[0]?.message).toBe('The merge fields {{ nickname }}, {{ custom.vip_level }} are not a known contact field and will render empty.');
    expect(await check({ subject: 'Hi {{ nickname }}' }, { verifiedDomains: ['shop.example.com'] })).toEqual([]);
  });

  it('warns about links and images over plain http', async () => {
    const findings = await check({ html: page(`${prose}<a href="http://shop.example.com/sale">Sale</a><img src="http://cdn.example.com/x.png">${unsubscribe}`) });
    expect(codes(findings)).toEqual(['link.insecure:warning']);
    expect(findings[0]?.message).toContain('http://shop.example.com/sale, http://cdn.example.com/x.png');
  });

  it('names the characters the charset cannot encode', async () => {
    const findings = await check({ charset: 'Big5', subject: '春季特賣 🎉', html: page(`${prose}<p>简体字</p>${unsubscribe}`) });
    expect(codes(findings)).toEqual(['charset.lossy:error']);
    expect(findings[0]?.message).toContain('🎉 (U+1F389)');
    expect(findings[0]?.message).toContain('简 (U+7B80)');
    expect(findings[0]?.message).toContain('content.subject, content.html');
    expect(findings[0]?.message).not.toContain('字');
  });

  it('reports a template syntax error as a finding instead of throwing', async () => {
    const findings = await check({ subject: 'Hi {{ name ', html: page(`${prose}{% if x %}${unsubscribe}`) });
    expect(codes(findings)).toEqual(['template.invalid:error', 'template.invalid:error']);
    expect(findings[0]?.message).toMatch(/^The template in content.subject has a syntax error: .*line:1/);
    expect(findings[1]?.message).toMatch(/content\.html/);
  });
});
