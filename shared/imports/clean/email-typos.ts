/**
 * Known misspellings of the mail domains our users' lists are full of, and the domain each one
 * means. Policy (conservative): a typo is listed only when it is not a real mail domain itself and
 * it can mean exactly one domain. So `gmail.co` → `gmail.com` is listed (Google has no gmail.co
 * mail), but `hotmail.co`, `yahoo.co`, `outlook.co` and `live.co` are not (hotmail.co.uk,
 * yahoo.co.jp, outlook.co.th, live.co.uk exist, so we can't know which one was meant), nor are
 * HiNet's numbered hosts (ms1.hinet.net … are real).
 */
const typosOf: Readonly<Record<string, readonly string[]>> = {
  'gmail.com': [
    'gmial.com', 'gmai.com', 'gmal.com', 'gmil.com', 'gamil.com', 'gnail.com', 'gmaill.com', 'gmali.com', 'gmaii.com',
    'gmail.con', 'gmail.co', 'gmail.cm', 'gmail.om', 'gmail.cmo', 'gmail.comm', 'gmail.cim', 'gmail.c', 'gmail.com.tw',
    'gmail',
  ],
  'hotmail.com': [
    'hotmial.com', 'hotmal.com', 'hotmai.com', 'hotmil.com', 'homail.com', 'hotamil.com', 'hotmaill.com',
    'hotmail.con', 'hotmail.cm', 'hotmail.cmo', 'hotmail',
  ],
  'hotmail.com.tw': ['hotmial.com.tw', 'hotmail.con.tw', 'hotmal.com.tw'],
  'yahoo.com.tw': [
    'yaho.com.tw', 'yahooo.com.tw', 'yhoo.com.tw', 'yahho.com.tw', 'yaoo.com.tw', 'yahool.com.tw',
    'yahoo.con.tw', 'yahoo.co.tw', 'yahoo.com.w', 'yahoo.comtw', 'yahoo.tw', 'tw.yahoo.com',
  ],
  'yahoo.com': ['yaho.com', 'yahooo.com', 'yhoo.com', 'yahho.com', 'yaoo.com', 'yahoo.con', 'yahoo.cm', 'yahoo.cmo'],
  'msa.hinet.net': [
    'msa.hinet.com', 'msa.hinet.com.tw', 'msa.hinet.net.tw', 'msa.hint.net', 'msa.hient.net', 'msa.hinte.net',
    'msa.hinnet.net', 'msa.hine.net', 'msa.hinet.ne', 'msa.hinet.nte', 'msa.hinet.met', 'msa.hinet', 'mas.hinet.net',
    'msahinet.net',
  ],
  'outlook.com': ['outlok.com', 'outllook.com', 'outloook.com', 'otulook.com', 'outook.com', 'oulook.com', 'outlool.com', 'outlook.con', 'outlook.cm'],
  'live.com': ['live.con', 'live.cm', 'live.comm'],
  'msn.com': ['msn.con'],
  'icloud.com': ['iclod.com', 'icoud.com', 'icluod.com', 'iclould.com', 'icloud.con'],
  'pchome.com.tw': ['pchom.com.tw', 'pchome.con.tw'],
};

/** typo → intended domain. */
export const domainTypos: ReadonlyMap<string, string> = new Map(
  Object.entries(typosOf).flatMap(([domain, typos]) => typos.map((typo) => [typo, domain] as const)),
);

/**
 * Endings no registry has ever delegated, each with the one ending it stands for; applied to
 * domains the table above doesn't know. `.co`, `.cm`, `.om` are real country domains, so absent.
 */
export const suffixTypos: readonly (readonly [typo: string, intended: string])[] = [
  ['.con.tw', '.com.tw'],
  ['.comtw', '.com.tw'],
  ['.con', '.com'],
  ['.cmo', '.com'],
  ['.ocm', '.com'],
  ['.comm', '.com'],
  ['.coom', '.com'],
  ['.cpm', '.com'],
];
