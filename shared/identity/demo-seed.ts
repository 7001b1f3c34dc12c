/**
 * The sandbox's demo workspace: an admin who can sign in at once, a "Marketing" department and a
 * few contacts with Chinese and English names. Idempotent: run on every `npm start`, it creates
 * only what is missing, and reports `created: false` once the admin exists.
 */
import type { Principal } from '../api/operation';
import { createContact, type ContactDeps } from '../contacts/contacts';
import { contactDepsFromEnv } from '../contacts/operations';
import { ConflictError } from '../errors';
import type { Department } from './model';
import { createDepartmentIn, identityDepsFromEnv, provisionUser, type IdentityDeps } from './operations';

export const DEMO_WORKSPACE_ID = 'ws_demo';
export const DEMO_ADMIN_EMAIL = 'admin@pigeon.local';
/** Public on purpose: a local demo only; never seeded in AWS. */
export const DEMO_ADMIN_PASSWORD = 'pigeon-demo';

export interface DemoSeedResult {
  readonly workspaceId: string;
  readonly adminEmail: string;
  readonly adminPassword: string;
  readonly created: boolean;
}

export const demoContacts = [
  { name: '王小明', email: 'xiaoming.wang@example.com', mobile: '0912345678', city: '台北市', language: 'zh-TW', tags: ['vip'] },
  { name: '陳美玲', email: 'meiling.chen@example.com', mobile: '0922333444', city: '高雄市', language: 'zh-TW', tags: ['newsletter'] },
  { name: '林志豪', email: 'chihhao.lin@example.com', city: '台中市', language: 'zh-TW', tags: [] },
  { name: 'Emily Carter', email: 'emily.carter@example.com', city: 'Taipei', language: 'en', tags: ['newsletter'] },
  { name: 'James Lee', email: 'james.lee@example.com', mobile: '+85291234567', language: 'en', tags: ['partner'] },
] as const;

/** Adds the demo contacts; ones already there (same e-mail) are left alone. */
export async function seedDemoContacts(contacts: ContactDeps, principal: Principal): Promise<number> {
  let added = 0;
  for (const contact of demoContacts) {
    try {
      await createContact(contacts, principal, { ...contact, tags: [...contact.tags] });
      added += 1;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  return added;
}

async function ensureDepartment(deps: IdentityDeps, workspaceId: string, name: string): Promise<Department> {
  const existing = (await deps.store.listDepartments(workspaceId)).find((d) => d.name === name);
  if (existing) return existing;
  try {
    return await createDepartmentIn(deps, workspaceId, { name });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return (await deps.store.listDepartments(workspaceId)).find((d) => d.name === name)!;
  }
}

export async function seedDemoWorkspace(
  deps: { identity?: IdentityDeps; contacts?: ContactDeps } = {},
): Promise<DemoSeedResult> {
  const identity = deps.identity ?? identityDepsFromEnv();
  const result = (workspaceId: string, created: boolean): DemoSeedResult => ({
    workspaceId,
    adminEmail: DEMO_ADMIN_EMAIL,
    adminPassword: DEMO_ADMIN_PASSWORD,
    created,
  });

  const existing = await identity.store.findUserByEmail(DEMO_ADMIN_EMAIL);
  if (existing) return result(existing.workspaceId, false);

  const at = identity.clock.now().toISOString();
  await identity.store.createWorkspace({ id: DEMO_WORKSPACE_ID, name: 'Pigeon Demo 信鴿示範', createdAt: at });
  const marketing = await ensureDepartment(identity, DEMO_WORKSPACE_ID, 'Marketing');
  let admin;
  try {
    admin = await provisionUser(identity, DEMO_WORKSPACE_ID, {
      email: DEMO_ADMIN_EMAIL,
      name: 'Demo Admin 示範管理員',
      role: 'admin',
      password: DEMO_ADMIN_PASSWORD,
      status: 'active',
      departmentId: marketing.id,
    });
  } catch (error) {
    // Another process seeded at the same moment: theirs stands.
    if (error instanceof ConflictError) return result(DEMO_WORKSPACE_ID, false);
    throw error;
  }
  const principal: Principal = {
    kind: 'user',
    id: admin.id,
    workspaceId: DEMO_WORKSPACE_ID,
    role: 'admin',
    email: admin.email,
    name: admin.name,
    departmentId: marketing.id,
  };
  await seedDemoContacts(deps.contacts ?? contactDepsFromEnv(), principal);
  return result(DEMO_WORKSPACE_ID, true);
}
