/**
 * Runtime configuration, fetched at start so one build serves every stage: the sandbox writes
 * config.json beside index.html locally, the CDK deployment writes it into the console bucket.
 */
export interface ConsoleConfig {
  /** Base URL of the REST API, without a trailing slash. */
  readonly apiUrl: string;
  readonly stage: string;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  // Relative to the page, so the console also works when hosted below a path prefix.
  const response = await fetch(new URL('config.json', document.baseURI), { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const raw = (await response.json()) as { apiUrl?: unknown; stage?: unknown };
  if (typeof raw.apiUrl !== 'string' || raw.apiUrl === '') throw new Error('config.json: apiUrl missing');
  return {
    apiUrl: raw.apiUrl.replace(/\/+$/, ''),
    stage: typeof raw.stage === 'string' ? raw.stage : '',
  };
}
