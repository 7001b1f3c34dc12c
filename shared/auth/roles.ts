/**
 * The four roles, from most to least powerful (OMICard's 四級權限: 管理員, 主管, 操作員, 檢視者).
 * A route that needs a role admits that role and every role above it.
 */
export const roles = ['admin', 'manager', 'operator', 'viewer'] as const;
export type Role = (typeof roles)[number];

export function roleAtLeast(actual: Role, required: Role): boolean {
  return roles.indexOf(actual) <= roles.indexOf(required);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}
