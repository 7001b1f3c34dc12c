/**
 * `npm run bench:track`: the public open and click endpoints under load, and whether every answer
 * they acknowledged is an event in the lake.
 *
 * A sandbox sends a campaign to BENCH_TRACK_RECIPIENTS recipients (default 200) through the API;
 * each recipient's open pixel and click URL are read from the raw mails. Then autocannon (in a
 * child process, so the load generator does not share the sandbox's event loop) runs for
 * BENCH_TRACK_SECONDS (default 10) with BENCH_TRACK_CONNECTIONS (default 50), cycling through the
 * recipients' URLs with realistic user agents and CloudFront-Viewer-Address headers (IPv4 and
 * IPv6), against:
 *   - a bare Node HTTP server in the sandbox's process answering with the same bytes (the baseline:
 *     the pixel's 42-byte GIF and headers, the click's 302 with the same Location), and
 *   - the sandbox's gateway → tracking handler → Firehose (local) path.
 * At the end of a run no new request starts and those in flight are answered, so every request
 * sent is counted. After each sandbox run the events are flushed into the lake and counted
 * there (DuckDB), against autocannon's acknowledged answers (2xx; 2xx + 3xx for clicks):
 * "lost" = acknowledged − in lake, which must be 0 (negative: more events than acknowledgements,
 * i.e. duplicates, or requests that timed out on the client after the server recorded them).
 * Prints requests/s, latency percentiles and the ratio sandbox / bare; exits 1 if an event was lost.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type autocannonType from 'autocannon';

const LOAD_MODE = '--track-load-generator';

interface Target {
  readonly path: string;
  readonly headers: Record<string, string>;
}

interface LoadCommand {
  readonly origin: string;
  readonly targets: readonly Target[];
  readonly seconds: number;
  readonly connections: number;
}

interface LoadResult {
  readonly sent: number;
  readonly responses: number;
  readonly ok2xx: number;
  readonly redirect3xx: number;
  readonly otherStatus: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly bytesPerResponse: number;
  /** CPU time of the load generator's process over the run, as a share of one core. */
  readonly cpu: number;
}

// ---------------------------------------------------------------------------------------------
// The load generator (child process): one autocannon run per message from the parent.
// ---------------------------------------------------------------------------------------------

/** autocannon's client, with the two fields the graceful stop uses. */
type DrainableClient = autocannonType.Client & { reqsMade: number; responseMax?: number };

async function runLoad(command: LoadCommand): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon');
  const requests = command.targets.map((t) => ({ method: 'GET' as const, path: t.path, headers: t.headers }));
  const clients: DrainableClient[] = [];
  let responses = 0;
  let lastResponse = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  return new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: command.origin,
        connections: command.connections,
        // A cap only: the run is ended below, by letting each connection finish its request.
        duration: command.seconds + 60,
        timeout: 10,
        requests,
        // Each connection starts at its own place in the recipients' list.
        setupClient: (client) => {
          const index = clients.push(client as DrainableClient) - 1;
          const offset = Math.floor((index * requests.length) / command.connections) % requests.length;
          client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
        },
      },
      (error, result) => {
        clearTimeout(drain);
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const cpu = process.cpuUsage(cpuBefore);
        const seconds = (lastResponse - started) / 1000;
        const statusCodes = Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0] as const);
        resolve({
          sent: result.requests.sent,
          responses,
          ok2xx: result['2xx'],
          redirect3xx: result['3xx'],
          otherStatus: Object.fromEntries(statusCodes.filter(([code]) => !/^[23]/.test(code))),
          errors: result.errors,
          timeouts: result.timeouts,
          seconds,
          perSecond: responses / seconds,
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
          bytesPerResponse: responses ? result.throughput.total / responses : 0,
          cpu: (cpu.user + cpu.system) / 1000 / (performance.now() - started),
        });
      },
    );
    instance.on('response', () => {
      responses += 1;
      lastResponse = performance.now();
    });
    // Graceful end: no connection starts another request; the ones in flight are answered and
    // counted (autocannon's own duration would drop them, and the server may have recorded them).
    const drain = setTimeout(() => {
      for (const client of clients) client.responseMax = client.reqsMade;
    }, command.seconds * 1000);
  });
}

async function loadGeneratorProcess(): Promise<void> {
  process.on('message', (message: LoadCommand | 'exit') => {
    if (message === 'exit') process.exit(0);
    runLoad(message).then(
      (result) => process.send?.({ result }),
      (error: unknown) => process.send?.({ error: String(error) }),
    );
  });
  // The bench ended (or died): nothing left to do here.
  process.on('disconnect', () => process.exit(0));
  process.send?.('ready');
}

// ---------------------------------------------------------------------------------------------
// The bench (parent): the sandbox, the campaign, the bare server, the runs, the lake.
// ---------------------------------------------------------------------------------------------

const IPHONE_MAIL = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const GMAIL_PROXY = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
const OUTLOOK = 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)';
const THUNDERBIRD = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const SAFARI_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const SAFARI_IOS = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const OPEN_AGENTS = [IPHONE_MAIL, GMAIL_PROXY, OUTLOOK, IPHONE_MAIL, THUNDERBIRD, SAFARI_MAC, ANDROID];
const CLICK_AGENTS = [CHROME, SAFARI_IOS, ANDROID, SAFARI_MAC, CHROME];
/** CloudFront-Viewer-Address as CloudFront sends it ("ip:port"; IPv6 without brackets): 2 in 3 IPv4. */
const VIEWERS = ['168.95.1.1:52110', '2001:b000:180:1::2:51234', '61.220.4.5:40122', '203.69.66.10:51515', '2404:6800:4008:c01::64:443', '8.8.4.4:33211'];

const positive = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a whole number ≥ 1, not "${process.env[name]}"`);
    process.exit(2);
  }
  return value;
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Row {
  readonly name: string;
  readonly load: LoadResult;
  readonly acknowledged?: number;
  readonly inLake?: number;
  readonly duplicates?: number;
  readonly serverCpu: number;
}

async function bench(): Promise<number> {
  const recipients = positive('BENCH_TRACK_RECIPIENTS', 200);
  const seconds = positive('BENCH_TRACK_SECONDS', 10);
  const connections = positive('BENCH_TRACK_CONNECTIONS', 50);
  const warmupSeconds = 2;

  // Powertools reads these when first imported: set before the sandbox's modules load.
  Object.assign(process.env, { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_TRACE_ENABLED: 'false', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const { startSandbox } = await import('../../infra/local/sandbox');
  const { simpleParser } = await import('mailparser');
  const { appendTrackingParam } = await import('../../shared/tracking/pages/page-script');

  const benchStarted = performance.now();
  const load1 = () => loadavg()[0]?.toFixed(1);
  console.log(`bench:track — ${recipients} recipients, ${seconds} s per run, ${connections} connections, node ${process.version}, ${cpus().length} cores, load average ${load1()}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-bench-track-'));
  const sandbox = await startSandbox({ dataDir, seed: true, quiet: true, console: false, fastMail: true, env: { POWERTOOLS_LOG_LEVEL: 'ERROR', MAIL_WATCH_SECONDS: '1', MAIL_CONTINUE_SECONDS: '1' } });
  let bare: Server | undefined;
  let child: ChildProcess | undefined;
  try {
    // ---- a campaign sent through the API, as the integration tests send one ----
    const call = async (method: string, path: string, token: string | undefined, body?: unknown): Promise<Json> => {
      const response = await fetch(`${sandbox.apiUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await response.json()) as Json;
      if (response.status >= 400) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(json)}`);
      return json;
    };
    const token = (await call('POST', '/auth/sign-in', undefined, { email: sandbox.demo?.adminEmail, password: sandbox.demo?.adminPassword })).idToken as string;
    const sendStarted = performance.now();
    const campaign = await call('POST', '/campaigns', token, {
      name: 'bench:track',
      content: {
        subject: '十二月新品',
        fromName: '信鴿商店',
        fromEmail: 'news@pigeon.local',
        html: '<html><body><p>{{ name | default: "會員" }}，您好：</p><p><a href="https://shop.example.com/landing?from=mail&amp;utm_source=pigeon">看新品</a></p><p><a href="{{ unsubscribe_url }}">取消訂閱</a></p></body></html>',
      },
      audience: { sources: [{ kind: 'list', lines: Array.from({ length: recipients }, (_, i) => `reader${i}@example.com`) }], exclusions: [] },
    });
    const launched = await call('POST', `/campaigns/${campaign.id}/launch`, token, {});
    const runId = launched.run.id as string;
    let run: Json = {};
    const deadline = Date.now() + 120_000;
    for (;;) {
      run = await call('GET', `/campaigns/${campaign.id}/runs/${runId}`, token);
      if (['completed', 'failed', 'cancelled'].includes(run.status) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (run.status !== 'completed') throw new Error(`the campaign run ended ${run.status}: ${JSON.stringify(run.progress)}`);

    // ---- each recipient's pixel and click URL, from the raw mails ----
    const mailDir = join(dataDir, 'mail-raw');
    const lines = readFileSync(join(mailDir, 'index.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { messageId: string; tags: Record<string, string[]> })
      .filter((line) => line.tags.run?.[0] === runId);
    const base = `${sandbox.apiUrl}/t/`;
    const links: { open: string; click: string; location: string }[] = [];
    for (const line of lines) {
      const html = String((await simpleParser(readFileSync(join(mailDir, `${line.messageId}.eml`)))).html);
      const open = /src="([^"]*\/t\/o\/[^"]+)"/.exec(html)?.[1];
      const click = [...html.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] as string).replaceAll('&amp;', '&')).find((href) => href.startsWith(`${base}c/`));
      if (!open?.startsWith(`${base}o/`) || !click) throw new Error(`message ${line.messageId} has no pixel or no tracked link`);
      const clickUrl = new URL(click);
      const location = appendTrackingParam(clickUrl.searchParams.get('u') as string, clickUrl.pathname.split('/')[3] as string);
      links.push({ open: open.slice(sandbox.apiUrl.length), click: `${clickUrl.pathname}${clickUrl.search}`, location });
    }
    if (links.length !== recipients) throw new Error(`${links.length} messages in the inbox for ${recipients} recipients`);
    console.log(`sandbox up and campaign sent to ${recipients} recipients after ${((performance.now() - benchStarted) / 1000).toFixed(1)} s (the send: ${((performance.now() - sendStarted) / 1000).toFixed(1)} s); ${links.length} pixel and click URLs read from the raw mails`);

    const openTargets: Target[] = links.map((l, i) => ({ path: l.open, headers: { 'user-agent': OPEN_AGENTS[i % OPEN_AGENTS.length] as string, 'cloudfront-viewer-address': VIEWERS[i % VIEWERS.length] as string } }));
    const clickTargets: Target[] = links.map((l, i) => ({ path: l.click, headers: { 'user-agent': CLICK_AGENTS[i % CLICK_AGENTS.length] as string, 'cloudfront-viewer-address': VIEWERS[(i + 1) % VIEWERS.length] as string } }));

    // ---- the bare server: the sandbox's own answers, replayed byte for byte ----
    const sample = (target: Target) =>
      new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
        const req = httpRequest(`${sandbox.apiUrl}${target.path}`, { headers: target.headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const headers: Record<string, string> = {};
            // Node adds these itself, to the bare server's answers as to the gateway's.
            for (let i = 0; i < res.rawHeaders.length; i += 2) if (!/^(date|connection|keep-alive|transfer-encoding)$/i.test(res.rawHeaders[i] as string)) headers[res.rawHeaders[i] as string] = res.rawHeaders[i + 1] as string;
            resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
          });
        });
        req.on('error', reject);
        req.end();
      });
    const pixel = await sample(openTargets[0] as Target);
    const redirect = await sample(clickTargets[0] as Target);
    if (pixel.status !== 200 || pixel.body.length !== 42) throw new Error(`the pixel answered ${pixel.status} with ${pixel.body.length} bytes`);
    const locationHeader = Object.keys(redirect.headers).find((name) => name.toLowerCase() === 'location') as string;
    if (redirect.status !== 302 || redirect.headers[locationHeader] !== links[0]?.location) throw new Error(`the click answered ${redirect.status} to ${redirect.headers[locationHeader]}, not ${links[0]?.location}`);
    const locations = new Map(links.map((l) => [l.click, l.location]));
    bare = createServer((req, res) => {
      const location = locations.get(req.url ?? '');
      if (location) {
        res.writeHead(302, { ...redirect.headers, [locationHeader]: location });
        res.end(redirect.body);
      } else {
        res.writeHead(200, pixel.headers);
        res.end(pixel.body);
      }
    });
    const bareServer = bare;
    bareServer.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => bareServer.listen(0, '127.0.0.1', resolve));
    const bareOrigin = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}`;

    // ---- the load generator ----
    const loader = fork(fileURLToPath(import.meta.url), [LOAD_MODE], { execArgv: process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof')), stdio: 'inherit' });
    child = loader;
    await new Promise<void>((resolve, reject) => {
      loader.once('message', () => resolve());
      loader.once('exit', (code) => reject(new Error(`the load generator exited (${code})`)));
    });
    const load = (origin: string, targets: readonly Target[], runSeconds: number) =>
      new Promise<LoadResult & { serverCpu: number }>((resolve, reject) => {
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        loader.once('message', (message: { result?: LoadResult; error?: string }) => {
          const cpu = process.cpuUsage(cpuBefore);
          if (message.result) resolve({ ...message.result, serverCpu: (cpu.user + cpu.system) / 1000 / (performance.now() - started) });
          else reject(new Error(`load generator: ${message.error}`));
        });
        loader.send({ origin, targets, seconds: runSeconds, connections } satisfies LoadCommand);
      });

    // ---- the lake ----
    const lake = async (type: 'open' | 'click') => {
      await sandbox.flushEvents();
      const rows = await sandbox.queryEngine.query('SELECT count(*) AS n, count(DISTINCT id) AS d FROM events WHERE type = :type AND campaign_id = :c', { type, c: campaign.id as string });
      return { total: Number(rows[0]?.n ?? 0), distinct: Number(rows[0]?.d ?? 0) };
    };
    /** Waits (5 s at most) until this process is nearly idle: the projector done with the last objects. */
    const settle = async () => {
      const until = performance.now() + 5_000;
      while (performance.now() < until) {
        const before = process.cpuUsage();
        await new Promise((r) => setTimeout(r, 500));
        const used = process.cpuUsage(before);
        if ((used.user + used.system) / 1000 / 500 < 0.1) return;
      }
    };

    const rows: Row[] = [];
    const measure = async (name: string, origin: string, targets: readonly Target[], type?: 'open' | 'click'): Promise<void> => {
      process.stdout.write(`  ${name} …`);
      await load(origin, targets, warmupSeconds);
      const before = type ? await lake(type) : undefined;
      await settle();
      const result = await load(origin, targets, seconds);
      const row: Row = { name, load: result, serverCpu: result.serverCpu };
      if (type && before) {
        const after = await lake(type);
        rows.push({ ...row, acknowledged: result.ok2xx + (type === 'click' ? result.redirect3xx : 0), inLake: after.total - before.total, duplicates: after.total - after.distinct - (before.total - before.distinct) });
      } else rows.push(row);
      process.stdout.write(` ${result.perSecond.toFixed(0)} requests/s (${((performance.now() - benchStarted) / 1000).toFixed(0)} s into the bench)\n`);
    };

    console.log('runs (each after a 2 s warm-up):');
    await measure('open  — bare Node server', bareOrigin, openTargets);
    await measure('open  — sandbox /t/o/', sandbox.apiUrl, openTargets, 'open');
    await measure('click — bare Node server', bareOrigin, clickTargets);
    await measure('click — sandbox /t/c/', sandbox.apiUrl, clickTargets, 'click');
    const stream = sandbox.firehose.stats();

    // ---- the figures ----
    const cell = (value: string | number, width: number) => String(value).padStart(width);
    console.log();
    console.log(
      'endpoint'.padEnd(26),
      cell('req/s', 8),
      cell('p50 ms', 7),
      cell('p90 ms', 7),
      cell('p99 ms', 7),
      cell('B/resp', 7),
      cell('acknowledged', 13),
      cell('in lake', 8),
      cell('lost', 5),
      cell('other', 6),
      cell('errors', 7),
      cell('cpu srv/gen', 12),
      cell('srv µs/req', 11),
    );
    for (const r of rows) {
      const other = Object.values(r.load.otherStatus).reduce((a, b) => a + b, 0);
      console.log(
        r.name.padEnd(26),
        cell(r.load.perSecond.toFixed(0), 8),
        cell(r.load.p50.toFixed(1), 7),
        cell(r.load.p90.toFixed(1), 7),
        cell(r.load.p99.toFixed(1), 7),
        cell(r.load.bytesPerResponse.toFixed(0), 7),
        cell(r.acknowledged ?? r.load.ok2xx + r.load.redirect3xx, 13),
        cell(r.inLake ?? '—', 8),
        cell(r.acknowledged === undefined ? '—' : r.acknowledged - (r.inLake ?? 0), 5),
        cell(other, 6),
        cell(r.load.errors, 7),
        cell(`${(r.serverCpu * 100).toFixed(0)}%/${(r.load.cpu * 100).toFixed(0)}%`, 12),
        cell(cpuPerRequest(r).toFixed(0), 11),
      );
    }
    /** This process's CPU time per answer: less sensitive than req/s to other work on the machine. */
    function cpuPerRequest(r: Row): number {
      return (r.serverCpu * r.load.seconds * 1e6) / Math.max(1, r.load.responses);
    }
    const byName = (prefix: string, sandboxed: boolean) => rows.find((r) => r.name.startsWith(prefix) && r.name.includes('sandbox') === sandboxed) as Row;
    console.log();
    for (const kind of ['open', 'click']) {
      const ratio = byName(kind, true).load.perSecond / byName(kind, false).load.perSecond;
      const cost = cpuPerRequest(byName(kind, true)) / cpuPerRequest(byName(kind, false));
      console.log(`ratio sandbox / bare, ${kind}s: ${ratio.toFixed(3)} in requests/s (the sandbox at 1 / ${(1 / ratio).toFixed(1)} of the bare server's rate); ${cost.toFixed(1)} × the server CPU per request`);
    }
    console.log(`local Firehose over the whole bench: ${stream.accepted} records accepted, ${stream.written} written in ${stream.objects} objects, ${stream.putRecordBatchCalls} PutRecordBatch calls (${(stream.accepted / Math.max(1, stream.putRecordBatchCalls)).toFixed(1)} records per call)`);
    console.log(`load average at the end: ${load1()} (other work on this machine lowers every figure, the bare server's most)`);
    console.log('(req/s: answers over the run, from its start to its last answer; cpu: this process — sandbox or bare server — and the load generator, as a share of one core over the run; srv µs/req: this process’s CPU time per answer; other: answers neither 2xx nor 3xx)');

    let failed = false;
    for (const r of rows.filter((row) => row.acknowledged !== undefined)) {
      const lost = (r.acknowledged ?? 0) - (r.inLake ?? 0);
      const other = Object.entries(r.load.otherStatus).map(([code, n]) => `${n}×${code}`);
      if (other.length || r.load.errors) console.log(`! ${r.name}: ${other.join(', ') || 'no other status'}; ${r.load.errors} connection errors (${r.load.timeouts} timeouts)`);
      if (lost > 0) {
        failed = true;
        console.log(`✗ ${r.name}: ${lost} acknowledged events are not in the lake`);
      } else if (lost < 0) {
        console.log(`! ${r.name}: ${-lost} more events in the lake than acknowledged (${r.duplicates} duplicate ids; ${r.load.timeouts} client timeouts)`);
      }
    }
    console.log(failed ? 'events lost: FAIL' : 'events lost: 0 — every acknowledged open and click is in the lake');
    return failed ? 1 : 0;
  } finally {
    if (child?.connected) child.send('exit');
    bare?.closeAllConnections();
    await new Promise<void>((resolve) => (bare ? bare.close(() => resolve()) : resolve()));
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv.includes(LOAD_MODE)) await loadGeneratorProcess();
else process.exitCode = await bench();
