import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors';
import { accountProblem } from '../../shared/identity/model';
import { createApiKeySchema, createUserSchema, parseInput, signInSchema, updateUserSchema } from '../../shared/identity/schemas';

function fieldsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).errors.map((e) => e.field).sort();
  }
  throw new Error('expected a ValidationError');
}

describe('createUser input', () => {
  const valid = { email: ' Mei.Chen@Example.COM ', name: '陳美玲', role: 'operator', password: 'long-enough' };

  it('lower-cases and trims the e-mail, defaults status to active, normalises a date expiry to the end of that day', () => {
    const parsed = parseInput(createUserSchema, { ...valid, expiresAt: '2027-03-31' });
    expect(parsed).toMatchObject({ email: 'mei.chen@example.com', status: 'active', expiresAt: '2027-03-31T23:59:59.999Z' });
  });

  it('names every invalid field', () => {
    expect(fieldsOf(() => parseInput(createUserSchema, { email: 'nope', name: '', role: 'root', password: 'short', expiresAt: 'soon' }))).toEqual([
      'email',
      'expiresAt',
      'name',
      'password',
      'role',
    ]);
  });

  it('rejects unknown fields by name', () => {
    expect(fieldsOf(() => parseInput(createUserSchema, { ...valid, isAdmin: true }))).toEqual(['isAdmin']);
  });

  it('accepts an ISO date-time expiry with an offset, stored in UTC', () => {
    expect(parseInput(createUserSchema, { ...valid, expiresAt: '2027-01-01T09:00:00+08:00' }).expiresAt).toBe('2027-01-01T01:00:00.000Z');
  });
});

describe('updateUser input', () => {
  it('allows null to clear department and expiry', () => {
    expect(parseInput(updateUserSchema, { departmentId: null, expiresAt: null })).toEqual({ departmentId: null, expiresAt: null });
  });
  it('rejects an empty change and a bad status', () => {
    expect(fieldsOf(() => parseInput(updateUserSchema, {}))).toEqual(['body']);
    expect(fieldsOf(() => parseInput(updateUserSchema, { status: 'deleted' }))).toEqual(['status']);
  });
});

describe('signIn input', () => {
  it('requires both fields', () => {
    expect(fieldsOf(() => parseInput(signInSchema, {}))).toEqual(['email', 'password']);
  });
});

describe('createApiKey input', () => {
  it('defaults role to operator, rate to 10/s and burst to twice the rate', () => {
    expect(parseInput(createApiKeySchema, { name: 'ERP' })).toEqual({ name: 'ERP', role: 'operator', rateLimit: 10, burstLimit: 20 });
    expect(parseInput(createApiKeySchema, { name: 'ERP', rateLimit: 50, burstLimit: 60 })).toMatchObject({ rateLimit: 50, burstLimit: 60 });
  });
  it('rejects rates that are not whole numbers in range', () => {
    expect(fieldsOf(() => parseInput(createApiKeySchema, { name: 'ERP', rateLimit: 0, burstLimit: 1.5 }))).toEqual(['burstLimit', 'rateLimit']);
    expect(fieldsOf(() => parseInput(createApiKeySchema, { name: 'ERP', rateLimit: 10_001 }))).toEqual(['rateLimit']);
  });
});

describe('account problems', () => {
  const now = new Date('2026-12-04T00:00:00Z');
  it('lets an active, unexpired user through', () => {
    expect(accountProblem({ status: 'active' }, now)).toBeUndefined();
    expect(accountProblem({ status: 'active', expiresAt: '2026-12-04T00:00:01Z' }, now)).toBeUndefined();
  });
  it('names why a user may not proceed', () => {
    expect(accountProblem({ status: 'suspended' }, now)).toMatch(/suspended/);
    expect(accountProblem({ status: 'locked' }, now)).toMatch(/locked/);
    expect(accountProblem({ status: 'not_activated' }, now)).toMatch(/not activated/);
    expect(accountProblem({ status: 'active', expiresAt: '2026-12-04T00:00:00Z' }, now)).toMatch(/expired/);
  });
});
