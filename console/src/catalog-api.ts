/**
 * What a workspace defines about its contacts (custom fields 延伸資料庫, groups 客戶群組 and their
 * sharing 客戶資源分享, newsletter categories 電子報分類) and segments (客戶分群): the API shapes,
 * type-only from shared/ where they exist, and typed calls over the shared client.
 */
import { type ApiClient, type Contact, type ContactInput, type ContactStatus } from './api';
import type { Category, CustomFieldType, FieldValidation, Group, GroupShare, Label } from '../../shared/contacts/definitions';
import type { CustomValue, SubscriptionState } from '../../shared/contacts/contact';

export type { Category, CustomFieldType, FieldValidation, Group, GroupShare, Label, CustomValue, SubscriptionState };

/** The API's custom field types (shared/contacts/definitions.ts; the console imports no runtime code from shared/). */
export const customFieldTypes: readonly CustomFieldType[] = ['text', 'number', 'date', 'boolean', 'single_choice', 'multi_choice'];

/** A custom field as the API shows it (shared/contacts/definitions.ts publicField). */
export interface CustomField {
  readonly name: string;
  readonly label: Label;
  readonly type: CustomFieldType;
  readonly required: boolean;
  readonly validation: FieldValidation;
  /** A contact has held a value: the type is fixed. */
  readonly inUse: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface FieldInput {
  name?: string;
  label?: Label;
  type?: CustomFieldType;
  required?: boolean;
  validation?: FieldValidation;
}

export interface GroupInput {
  name?: string;
  description?: string | null;
}

export interface CategoryInput {
  name?: string;
  description?: string | null;
}

/** A contact write with the parts of the model the base client leaves out. */
export type FullContactInput = Omit<ContactInput, 'score' | 'groups' | 'subscriptions' | 'custom'> & {
  score?: number;
  groups?: string[] | null;
  subscriptions?: Record<string, SubscriptionState | null>;
  custom?: Record<string, CustomValue | null>;
};

/** GET /contacts filters; all combine with AND and with `q`. */
export interface ContactFilters {
  q?: string;
  group?: string;
  category?: string;
  status?: ContactStatus;
  scoreMin?: number;
  scoreMax?: number;
}

// ---- segments (team contract, Addendum 2) ---------------------------------------------------

export type RuleOp =
  | 'eq'
  | 'neq'
  | 'contains'
  | 'startsWith'
  | 'in'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'between'
  | 'exists'
  | 'notExists'
  | 'withinDays'
  | 'olderThanDays';

export type RuleValue = string | number | boolean | readonly (string | number)[];

export interface Condition {
  field: string;
  op: RuleOp;
  value?: RuleValue;
}

export interface RuleTree {
  match: 'all' | 'any';
  conditions: (Condition | RuleTree)[];
}

export interface Segment {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly rules: RuleTree;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy?: string;
}

export interface SegmentInput {
  name?: string;
  description?: string | null;
  rules?: RuleTree;
}

export interface SegmentPreview {
  readonly count: number;
  readonly sample: readonly Contact[];
}

interface Items<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

const seg = (id: string) => encodeURIComponent(id);

export function catalogApi(api: ApiClient) {
  const { request } = api;
  return {
    listFields: () => request<Items<CustomField>>('GET', '/fields'),
    createField: (input: FieldInput) => request<CustomField>('POST', '/fields', { body: input }),
    updateField: (name: string, changes: FieldInput) => request<CustomField>('PATCH', `/fields/${seg(name)}`, { body: changes }),
    deleteField: (name: string) => request<void>('DELETE', `/fields/${seg(name)}`),

    listGroups: () => request<Items<Group>>('GET', '/groups'),
    createGroup: (input: GroupInput) => request<Group>('POST', '/groups', { body: input }),
    updateGroup: (id: string, changes: GroupInput) => request<Group>('PATCH', `/groups/${seg(id)}`, { body: changes }),
    deleteGroup: (id: string) => request<void>('DELETE', `/groups/${seg(id)}`),
    shareGroup: (id: string, sharedWith: readonly GroupShare[]) => request<Group>('PUT', `/groups/${seg(id)}/sharing`, { body: { sharedWith } }),

    listCategories: () => request<Items<Category>>('GET', '/categories'),
    createCategory: (input: CategoryInput) => request<Category>('POST', '/categories', { body: input }),
    updateCategory: (id: string, changes: CategoryInput) => request<Category>('PATCH', `/categories/${seg(id)}`, { body: changes }),
    deleteCategory: (id: string) => request<void>('DELETE', `/categories/${seg(id)}`),

    listContacts: (filters: ContactFilters & { cursor?: string; limit?: number }) => {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(filters)) {
        if (value !== undefined && value !== '') query.set(key, String(value));
      }
      const search = query.toString();
      return request<Items<Contact>>('GET', `/contacts${search ? `?${search}` : ''}`);
    },
    createContact: (input: FullContactInput) => request<Contact>('POST', '/contacts', { body: input }),
    updateContact: (id: string, changes: FullContactInput, version?: number) =>
      request<Contact>('PATCH', `/contacts/${seg(id)}`, {
        body: changes,
        ...(version !== undefined ? { headers: { 'if-match': String(version) } } : {}),
      }),

    listSegments: () => request<Items<Segment>>('GET', '/segments'),
    createSegment: (input: SegmentInput) => request<Segment>('POST', '/segments', { body: input }),
    updateSegment: (id: string, changes: SegmentInput) => request<Segment>('PATCH', `/segments/${seg(id)}`, { body: changes }),
    deleteSegment: (id: string) => request<void>('DELETE', `/segments/${seg(id)}`),
    previewSegment: (rules: RuleTree) => request<SegmentPreview>('POST', '/segments/preview', { body: { rules } }),
  };
}

export type CatalogApi = ReturnType<typeof catalogApi>;

/** A label in the console's language, falling back to the other one, then the name. */
export function labelOf(label: Label | undefined, language: string, fallback: string): string {
  const own = language === 'zh-TW' ? label?.['zh-TW'] : label?.en;
  return own || label?.['zh-TW'] || label?.en || fallback;
}
