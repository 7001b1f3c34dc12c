/**
 * The signed-in session, kept in sessionStorage: it survives a reload but ends with the tab,
 * and is dropped once the token's expiry has passed.
 */
import { type SignInResult, type SignedInUser } from './api';

export interface Session {
  readonly idToken: string;
  /** Epoch milliseconds after which the token is no longer accepted. */
  readonly expiresAt: number;
  readonly user: SignedInUser;
}

const key = 'pigeon.session';
/** Sign out a little before the real expiry so no request races the deadline. */
const marginMs = 30_000;

export function sessionFrom(result: SignInResult, now = Date.now()): Session {
  return { idToken: result.idToken, expiresAt: now + result.expiresIn * 1000 - marginMs, user: result.user };
}

export function loadSession(now = Date.now()): Session | undefined {
  try {
    const raw = sessionStorage.getItem(key);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    if (typeof session.idToken !== 'string' || typeof session.expiresAt !== 'number' || session.expiresAt <= now) {
      sessionStorage.removeItem(key);
      return undefined;
    }
    return session;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(key, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(key);
}
