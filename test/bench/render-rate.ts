/**
 * Render rate of the content module: messages per CPU-second for the ~30 KB sample newsletter,
 * without attachments, with click tracking, pixel and unsubscribe URL, on one core. CPU time, not
 * wall time, so the figure does not depend on what else the machine runs; a baseline in the same
 * run (html-to-text converting the same HTML once per message, the naive text part) puts it in
 * proportion. A figure, not a test: `npm run bench:render -- [seconds]`.
 */
import { compile } from 'html-to-text';
import type { MailCharset } from '../../shared/campaigns/model';
import { compileMessage, renderMessage } from '../../shared/content';
import { compileContext, newsletter, newsletterHtml, recipient } from '../fixtures/content/sample-campaign';

const seconds = Number(process.argv[2] ?? 5);

async function perCpuSecond(run: (i: number) => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < 1000; i++) await run(i);
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  let n = 0;
  while (performance.now() - started < seconds * 1000) await run(n++);
  const cpu = process.cpuUsage(cpuStart);
  return n / ((cpu.user + cpu.system) / 1e6);
}

function renderRate(charset: MailCharset, ownText: boolean): () => Promise<number> {
  const content = newsletter({ charset, ...(ownText ? { text: '{{ name }}，春季特賣開跑：{{ unsubscribe_url }}' } : {}) });
  const compiled = compileMessage(content, compileContext());
  return () => perCpuSecond((i) =>
    renderMessage(compiled, recipient({ name: `會員${i}` }, `r${i}@example.com`), {
      unsubscribeUrl: `https://t.example.com/u/${i}`,
      openPixelUrl: `https://t.example.com/o/${i}.gif`,
      rewriteLink: (url, index) => `https://t.example.com/c/${i}/${index}`,
    }),
  );
}

const html = newsletterHtml();
const toText = compile({ wordwrap: false });
const runs: [string, () => Promise<number>][] = [
  ['baseline, html-to-text on the HTML once per message', () => perCpuSecond(() => toText(html))],
  ['UTF-8, text part generated', renderRate('UTF-8', false)],
  ['UTF-8, text part given', renderRate('UTF-8', true)],
  ['Big5, text part generated', renderRate('Big5', false)],
];
// Each measured twice, interleaved, the better kept: other work on the machine only slows a run down.
const best = new Map<string, number>();
for (let round = 0; round < 2; round++) {
  for (const [label, measure] of runs) best.set(label, Math.max(best.get(label) ?? 0, await measure()));
}
const baseline = best.get(runs[0]?.[0] ?? '') ?? 1;
console.log(`HTML ${Math.round(Buffer.byteLength(html) / 1024)} KB, 70 links, tracking, pixel, preheader`);
for (const [label, rate] of best) console.log(`${label}: ${Math.round(rate)} per CPU-second${rate === baseline ? '' : ` (${(rate / baseline).toFixed(1)}× the baseline)`}`);
