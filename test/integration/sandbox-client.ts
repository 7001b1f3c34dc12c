/**
 * What the sandbox-driven tests share: the demo admin's API calls, waiting for a condition, and
 * the local SES's raw inbox (`<dataDir>/mail-raw/`: index.jsonl plus one .eml per message).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '../../infra/local/sandbox';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ApiAnswer {
  readonly status: number;
  readonly body: Json;
}

export type ApiCall = (method: string, path: string, body?: unknown) => Promise<ApiAnswer>;

/** Signs in as the seeded demo admin; calls carry its ID token. */
export async function adminApi(sandbox: Sandbox): Promise<ApiCall> {
  const signIn = await fetch(`${sandbox.apiUrl}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: sandbox.demo?.adminEmail, password: sandbox.demo?.adminPassword }),
  });
  const token = ((await signIn.json()) as Json).idToken as string;
  return async (method, path, body) => {
    const response = await fetch(`${sandbox.apiUrl}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), authorization: `Bearer ${token}` },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };
}

/** Reads until `ok` holds or the time is up; returns the last value read either way. */
export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface InboxLine {
  readonly messageId: string;
  readonly destination: string[];
  readonly tags: Record<string, string[]>;
}

/** Every message the local SES accepted, oldest first. */
export const inboxOf = (dataDir: string): InboxLine[] =>
  readFileSync(join(dataDir, 'mail-raw', 'index.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as InboxLine);

export const rawMessage = (dataDir: string, messageId: string): Buffer => readFileSync(join(dataDir, 'mail-raw', `${messageId}.eml`));
