/**
 * A messy contact CSV of any size, written streaming, the same bytes every time for a seed:
 * Chinese headers and names, e-mails full-width / typo'd / invalid / repeated, Taiwanese mobiles in
 * every form people type, ROC and western birthdays, and quoted cells holding commas, quotes and
 * line breaks. Roughly: 60% clean e-mails, 25% correctable, 5% invalid, 5% mobile-only, 5% repeats, 1% test rows.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const fixtureHeader = ['姓名', '電子郵件', '手機', '性別', '生日', '公司', '地址', '標籤'] as const;

/** mulberry32: small, fast, seeded — good enough to make test data reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const surnames = '陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏孫戴范方宋鄧';
const given = '家豪志明俊傑建宏雅婷怡君淑芬美玲佳穎欣怡承恩宗翰冠宇品妤詩涵子晴柏翰宇軒思妤心怡冠廷';
const domains = ['gmail.com', 'yahoo.com.tw', 'hotmail.com', 'msa.hinet.net', 'outlook.com', 'example.com.tw', 'pchome.com.tw', 'company.tw'];
const typoDomains = ['gmial.com', 'gmail.con', 'yaho.com.tw', 'yahoo.com.tw.', 'hotmial.com', 'msa.hinet.com', 'outlok.com', 'yahoo.con.tw'];
const cities = ['台北市', '新北市', '桃園市', '台中市', '台南市', '高雄市', '新竹市', '基隆市'];
const companies = ['信鴿科技股份有限公司', '台灣電子, 台北分公司', 'ＡＢＣ 貿易有限公司', '大同 "好鄰居" 商行', 'Pigeon Ltd.', ''];
const tagPool = ['VIP', '台北', '新客戶', '展覽', '電子報', '舊客戶'];

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function fixtureRow(n: number, random: () => number): string[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const digits = (count: number) => Array.from({ length: count }, () => Math.floor(random() * 10)).join('');
  const name = pick([...surnames]) + pick([...given]) + (random() < 0.6 ? pick([...given]) : '');
  // A repeat reuses an earlier row's address (sometimes in other case) — a within-file duplicate.
  const repeat = n > 10 && random() < 0.05;
  const id = repeat ? Math.floor(random() * n) : n;
  const local = `user${id}`;
  const domain = domains[id % domains.length]!;
  let email = `${local}@${domain}`;
  const r = random();
  if (repeat) email = random() < 0.5 ? email.toUpperCase() : email;
  else if (r < 0.6) email = `${local}@${domain}`;
  else if (r < 0.64) email = email.toUpperCase();
  else if (r < 0.68) email = email.replace(/[a-z0-9@.]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
  else if (r < 0.72) email = email.replace(/\./g, ',');
  else if (r < 0.75) email = ` ${local} @ ${domain} `;
  else if (r < 0.78) email = email.replace('@', '@@');
  else if (r < 0.81) email = `${email}.`;
  else if (r < 0.85) email = `${local}@${typoDomains[id % typoDomains.length]}`;
  else if (r < 0.87) email = `${local}${domain}`;
  else if (r < 0.89) email = `${name}@${domain}`;
  else if (r < 0.90) email = `${local}@localhost`;
  else if (r < 0.95) email = '';
  const mobileNumber = `9${digits(8)}`;
  const mobile = pick([
    `0${mobileNumber.slice(0, 3)}-${mobileNumber.slice(3, 6)}-${mobileNumber.slice(6)}`,
    `0${mobileNumber}`,
    `+886 ${mobileNumber.slice(0, 3)} ${mobileNumber.slice(3, 6)} ${mobileNumber.slice(6)}`,
    `(0${mobileNumber.slice(0, 3)})${mobileNumber.slice(3)}`,
    `０${[...mobileNumber].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('')}`,
    `0${mobileNumber.slice(0, 6)}`,
    '',
  ]);
  const year = 1950 + Math.floor(random() * 55);
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  const birthday = pick([`${year}/${month}/${day}`, `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, `民國${year - 1911}/${month}/${day}`, '', '不詳']);
  const address = random() < 0.1 ? `${pick(cities)}信義區\n市府路 ${1 + Math.floor(random() * 300)} 號` : `${pick(cities)}中正區重慶南路一段 ${1 + Math.floor(random() * 200)} 號`;
  const tags = random() < 0.5 ? '' : [pick(tagPool), pick(tagPool)].join(pick([',', '、', ';']));
  // 1% are test entries, for the keyword filter to drop.
  const company = random() < 0.01 ? '測試公司' : pick(companies);
  return [name, email, mobile, pick(['男', '女', 'M', 'F', 'male', 'female', '']), birthday, company, address, tags];
}

/** Writes `rows` data rows (plus the header) to `path`; returns the bytes written. */
export async function writeFixture(path: string, rows: number, seed = 20240611): Promise<number> {
  const random = prng(seed);
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`${fixtureHeader.join(',')}\r\n`);
  let chunk: string[] = [];
  for (let n = 1; n <= rows; n += 1) {
    chunk.push(fixtureRow(n, random).map(quote).join(','));
    if (chunk.length === 2000 || n === rows) {
      await write(`${chunk.join('\r\n')}\r\n`);
      chunk = [];
    }
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}
