import { describe, expect, it } from 'vitest';
import { isRole, roleAtLeast, roles } from '../../shared/auth/roles';

describe('roles', () => {
  it('admits a role and every role above it, never one below', () => {
    const admitted = (required: (typeof roles)[number]) => roles.filter((r) => roleAtLeast(r, required));
    expect(admitted('viewer')).toEqual(['admin', 'manager', 'operator', 'viewer']);
    expect(admitted('operator')).toEqual(['admin', 'manager', 'operator']);
    expect(admitted('manager')).toEqual(['admin', 'manager']);
    expect(admitted('admin')).toEqual(['admin']);
  });
  it('recognises only the four role names', () => {
    expect(roles.every(isRole)).toBe(true);
    expect(isRole('Admin')).toBe(false);
    expect(isRole('root')).toBe(false);
    expect(isRole(undefined)).toBe(false);
  });
});
