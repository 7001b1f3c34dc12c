/**
 * The local stand-in for EventBridge Scheduler: keeps schedules in `<dataDir>/schedules.json`,
 * evaluates their at() / cron() / rate() expressions with shared/schedule (the same parser the
 * adapters validate with) and, when one is due, invokes the target function with its payload as
 * the event, as EventBridge's Lambda target does.
 *
 * A schedule that came due while the sandbox was stopped fires once at the next start (an at()
 * is not lost); a recurring one then continues from the current time. A failed invocation is
 * reported to onError and not retried (EventBridge would retry for up to 24 hours).
 *
 * HTTP API (LOCAL_SCHEDULER_URL) used by shared/adapters/local/scheduler.local.ts:
 * PUT /schedules/{name} (a ScheduleDefinition), DELETE /schedules/{name}, GET /schedules.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { ClientError } from '../../shared/errors';
import type { ScheduleDefinition } from '../../shared/ports/scheduler';
import { validateScheduleDefinition } from '../../shared/schedule/definition';
import { nextFireTime } from '../../shared/schedule/expression';
import { listenOnLoopback } from './emulators/net';

export interface StoredSchedule extends ScheduleDefinition {
  readonly createdAt: number;
  /** Undefined once the schedule will never fire again. */
  nextFireAt?: number;
  lastFiredAt?: number;
}

export interface LocalSchedulerOptions {
  /** File holding the schedules; none keeps them in memory. */
  readonly file?: string;
  readonly port?: number;
  /** Invokes the target function (logical manifest name) with the payload. */
  readonly invoke: (functionName: string, payload: unknown) => Promise<unknown>;
  /** Rejects unknown target functions at upsert time. */
  readonly knownFunction?: (name: string) => boolean;
  readonly tickMs?: number;
  readonly now?: () => number;
  readonly onError?: (schedule: string, error: unknown) => void;
}

export class LocalSchedulerService {
  private readonly schedules = new Map<string, StoredSchedule>();
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private readonly running = new Set<Promise<void>>();
  private baseUrl = '';
  private stopped = false;

  private constructor(private readonly options: LocalSchedulerOptions) {
    if (options.file && existsSync(options.file)) {
      for (const schedule of JSON.parse(readFileSync(options.file, 'utf8')) as StoredSchedule[]) this.schedules.set(schedule.name, schedule);
    }
  }

  static async start(options: LocalSchedulerOptions): Promise<LocalSchedulerService> {
    const service = new LocalSchedulerService(options);
    await service.listen(options.port ?? 0);
    service.timer = setInterval(() => service.tick(), options.tickMs ?? 250);
    return service;
  }

  get url(): string {
    return this.baseUrl;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  list(): StoredSchedule[] {
    return [...this.schedules.values()];
  }

  upsert(definition: ScheduleDefinition): StoredSchedule {
    const parsed = validateScheduleDefinition(definition);
    if (this.options.knownFunction && !this.options.knownFunction(definition.target.function)) {
      throw new Error(`Unknown target function "${definition.target.function}"`);
    }
    const now = this.now();
    const next = nextFireTime(parsed, { after: new Date(now), timezone: definition.timezone, anchor: new Date(now) });
    const stored: StoredSchedule = {
      name: definition.name,
      expression: definition.expression,
      ...(definition.timezone ? { timezone: definition.timezone } : {}),
      target: definition.target,
      ...(definition.deleteAfterRun ? { deleteAfterRun: true } : {}),
      createdAt: now,
      nextFireAt: next?.getTime(),
    };
    this.schedules.set(stored.name, stored);
    this.save();
    return stored;
  }

  delete(name: string): boolean {
    const existed = this.schedules.delete(name);
    if (existed) this.save();
    return existed;
  }

  /** Fires every due schedule; exposed so tests can step a fake clock. */
  tick(): void {
    if (this.stopped) return;
    const now = this.now();
    for (const schedule of this.schedules.values()) {
      if (schedule.nextFireAt === undefined || schedule.nextFireAt > now) continue;
      this.fire(schedule, now);
    }
  }

  private fire(schedule: StoredSchedule, now: number): void {
    schedule.lastFiredAt = now;
    const parsed = validateScheduleDefinition(schedule);
    // Missed runs collapse into this one; the next is computed from now.
    schedule.nextFireAt = nextFireTime(parsed, {
      after: new Date(Math.max(now, schedule.nextFireAt ?? now)),
      timezone: schedule.timezone,
      anchor: new Date(schedule.createdAt),
    })?.getTime();
    if (schedule.nextFireAt === undefined && schedule.deleteAfterRun) this.schedules.delete(schedule.name);
    this.save();
    const run = this.options
      .invoke(schedule.target.function, schedule.target.payload)
      .then(
        () => undefined,
        (error: unknown) => this.options.onError?.(schedule.name, error),
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private save(): void {
    const file = this.options.file;
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(this.list(), null, 2));
    renameSync(`${file}.tmp`, file);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.running]);
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private async listen(port: number): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.baseUrl = await listenOnLoopback(this.server, port);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (req.method === 'GET' && path === '/schedules') return send(200, { schedules: this.list() });
      const match = /^\/schedules\/([^/]+)$/.exec(path);
      if (!match) return send(404, { message: 'Not found' });
      const name = decodeURIComponent(match[1] ?? '');
      if (req.method === 'PUT') {
        const definition = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ScheduleDefinition;
        if (definition.name !== name) return send(400, { message: 'The name in the path and the body differ' });
        return send(200, this.upsert(definition));
      }
      if (req.method === 'DELETE') return send(this.delete(name) ? 204 : 404);
      if (req.method === 'GET') {
        const schedule = this.schedules.get(name);
        return schedule ? send(200, schedule) : send(404, { message: 'Not found' });
      }
      send(405, { message: 'Method not allowed' });
    } catch (error) {
      // Everything that can throw here is a bad request: malformed JSON, a bad definition.
      send(error instanceof ClientError ? error.status : 400, { message: error instanceof Error ? error.message : String(error) });
    }
  }
}
