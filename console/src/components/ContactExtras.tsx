/**
 * The contact form's second half: score, groups, newsletter subscriptions and the workspace's
 * custom fields (延伸資料庫), each input chosen by the field's type. Values are kept as the inputs
 * hold them (text) and converted when sent; text that is not a number is sent as typed, so the
 * API's own message (`custom.<name>`) appears under the input.
 */
import { type Contact } from '../api';
import { labelOf, type CustomField, type CustomValue, type FullContactInput, type SubscriptionState } from '../catalog-api';
import { useI18n } from '../i18n/I18nProvider';
import { type Definitions } from '../use-definitions';
import '../catalog.css';
import { FieldSet, FormField } from './FormField';

export interface ExtraValues {
  score: string;
  groups: string[];
  /** Category id → '' (no choice), subscribed or unsubscribed. */
  subscriptions: Record<string, SubscriptionState | ''>;
  /** Field name → text (most types), 'true' / 'false' / '' (boolean) or the chosen options. */
  custom: Record<string, string | string[]>;
}

function formValue(field: CustomField, value: CustomValue | undefined): string | string[] {
  if (field.type === 'multi_choice') return Array.isArray(value) ? [...(value as string[])] : [];
  if (value === undefined) return '';
  return String(value);
}

export function extrasOf(contact: Contact | undefined, defs: Definitions | undefined): ExtraValues {
  const custom: Record<string, string | string[]> = {};
  for (const field of defs?.fields ?? []) custom[field.name] = formValue(field, contact?.custom[field.name]);
  const subscriptions: Record<string, SubscriptionState | ''> = {};
  for (const category of defs?.categories ?? []) subscriptions[category.id] = contact?.subscriptions[category.id] ?? '';
  return { score: String(contact?.score ?? 0), groups: [...(contact?.groups ?? [])], subscriptions, custom };
}

/** The value to send for a field, or undefined when the input is empty. */
function apiValue(field: CustomField, value: string | string[] | undefined): CustomValue | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length > 0 ? value : undefined;
  const text = value.trim();
  if (text === '') return undefined;
  switch (field.type) {
    case 'number':
      return Number.isFinite(Number(text)) ? Number(text) : text;
    case 'boolean':
      return text === 'true';
    default:
      return text;
  }
}

const scoreOf = (text: string): number => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : (text as unknown as number));

export function extrasCreate(values: ExtraValues, defs: Definitions): FullContactInput {
  const custom: Record<string, CustomValue> = {};
  for (const field of defs.fields) {
    const value = apiValue(field, values.custom[field.name]);
    if (value !== undefined) custom[field.name] = value;
  }
  const subscriptions = Object.fromEntries(Object.entries(values.subscriptions).filter(([, state]) => state !== '')) as Record<string, SubscriptionState>;
  return {
    ...(values.score.trim() !== '' && values.score.trim() !== '0' ? { score: scoreOf(values.score) } : {}),
    ...(values.groups.length > 0 ? { groups: values.groups } : {}),
    ...(Object.keys(subscriptions).length > 0 ? { subscriptions } : {}),
    ...(Object.keys(custom).length > 0 ? { custom } : {}),
  };
}

/** Only what changed: a cleared custom field or subscription is sent as null. */
export function extrasChanges(contact: Contact, values: ExtraValues, defs: Definitions): FullContactInput {
  const changes: FullContactInput = {};
  if (values.score.trim() !== String(contact.score)) changes.score = scoreOf(values.score);
  const sameGroups = values.groups.length === contact.groups.length && values.groups.every((id) => contact.groups.includes(id));
  if (!sameGroups) changes.groups = values.groups;
  const subscriptions: Record<string, SubscriptionState | null> = {};
  for (const [id, state] of Object.entries(values.subscriptions)) {
    if ((contact.subscriptions[id] ?? '') !== state) subscriptions[id] = state === '' ? null : state;
  }
  if (Object.keys(subscriptions).length > 0) changes.subscriptions = subscriptions;
  const custom: Record<string, CustomValue | null> = {};
  for (const field of defs.fields) {
    const next = apiValue(field, values.custom[field.name]);
    const before = contact.custom[field.name];
    if (JSON.stringify(next ?? null) !== JSON.stringify(before ?? null)) custom[field.name] = next ?? null;
  }
  if (Object.keys(custom).length > 0) changes.custom = custom;
  return changes;
}

export function ContactExtras({
  formId,
  defs,
  values,
  errors,
  onChange,
}: {
  formId: string;
  defs: Definitions;
  values: ExtraValues;
  errors: Partial<Record<string, string>>;
  onChange: (values: ExtraValues, changedKey: string) => void;
}) {
  const { t, language } = useI18n();
  const id = (key: string) => `${formId}-x-${key}`;
  const setCustom = (name: string, value: string | string[]) => onChange({ ...values, custom: { ...values.custom, [name]: value } }, `custom.${name}`);

  return (
    <>
      <h3 className="form-section">{t('contactForm.segmentation')}</h3>
      <div className="form-grid">
        <FormField id={id('score')} label={t('catalog.field.score')} hint={t('contactForm.scoreHint')} error={errors.score} testId="contact-score">
          <input type="number" min={0} step={1} value={values.score} onChange={(e) => onChange({ ...values, score: e.target.value }, 'score')} data-testid="contact-score" />
        </FormField>
        <div />
        <FieldSet legend={t('catalog.field.groups')} error={errors.groups} testId="contact-groups" wide>
          {defs.groups.length === 0 ? <p className="muted field__hint">{t('contactForm.noGroups')}</p> : null}
          <div className="checks">
            {defs.groups.map((group) => (
              <label key={group.id} className="choice">
                <input
                  type="checkbox"
                  checked={values.groups.includes(group.id)}
                  onChange={(e) => onChange({ ...values, groups: e.target.checked ? [...values.groups, group.id] : values.groups.filter((g) => g !== group.id) }, 'groups')}
                />
                {group.name}
              </label>
            ))}
          </div>
        </FieldSet>
        {defs.categories.length > 0 ? (
          <FieldSet legend={t('contactForm.subscriptions')} testId="contact-subscriptions" wide>
            <div className="subscriptions">
              {defs.categories.map((category) => {
                const error = errors[`subscriptions.${category.id}`];
                return (
                  <div key={category.id} className={`subscription${error ? ' field--invalid' : ''}`}>
                    <label htmlFor={id(`sub-${category.id}`)}>{category.name}</label>
                    <select
                      id={id(`sub-${category.id}`)}
                      value={values.subscriptions[category.id] ?? ''}
                      onChange={(e) => onChange({ ...values, subscriptions: { ...values.subscriptions, [category.id]: e.target.value as SubscriptionState | '' } }, `subscriptions.${category.id}`)}
                      data-testid={`contact-subscription-${category.id}`}
                    >
                      <option value="">{t('contactForm.subscription.none')}</option>
                      <option value="subscribed">{t('contactForm.subscription.subscribed')}</option>
                      <option value="unsubscribed">{t('contactForm.subscription.unsubscribed')}</option>
                    </select>
                    {error ? <p className="field__error">{error}</p> : null}
                  </div>
                );
              })}
            </div>
          </FieldSet>
        ) : null}
      </div>
      {defs.fields.length > 0 ? (
        <>
          <h3 className="form-section">{t('contactForm.customFields')}</h3>
          <div className="form-grid">
            {defs.fields.map((field) => (
              <CustomInput
                key={field.name}
                id={id(`custom-${field.name}`)}
                field={field}
                label={labelOf(field.label, language, field.name)}
                value={values.custom[field.name] ?? ''}
                error={errors[`custom.${field.name}`]}
                onChange={(value) => setCustom(field.name, value)}
              />
            ))}
          </div>
        </>
      ) : null}
    </>
  );
}

function CustomInput({
  id,
  field,
  label,
  value,
  error,
  onChange,
}: {
  id: string;
  field: CustomField;
  label: string;
  value: string | string[];
  error?: string;
  onChange: (value: string | string[]) => void;
}) {
  const { t } = useI18n();
  const text = Array.isArray(value) ? '' : value;
  const shown = field.required ? `${label} *` : label;
  const testId = `custom-${field.name}`;
  const v = field.validation;
  const hint =
    field.type === 'number' && v.min !== undefined && v.max !== undefined
      ? t('contactForm.range', { min: v.min, max: v.max })
      : field.type === 'number' && (v.min !== undefined || v.max !== undefined)
        ? v.min !== undefined
          ? t('fields.rule.min', { n: v.min })
          : t('fields.rule.max', { n: v.max ?? '' })
        : field.type === 'text' && v.maxLength
        ? t('fields.rule.maxLength', { n: v.maxLength })
        : undefined;
  switch (field.type) {
    case 'multi_choice': {
      const list = Array.isArray(value) ? value : [];
      return (
        <FieldSet legend={shown} error={error} testId={testId} wide>
          <div className="checks">
            {(v.options ?? []).map((option) => (
              <label key={option} className="choice">
                <input type="checkbox" checked={list.includes(option)} onChange={(e) => onChange(e.target.checked ? [...list, option] : list.filter((o) => o !== option))} />
                {option}
              </label>
            ))}
          </div>
        </FieldSet>
      );
    }
    case 'single_choice':
    case 'boolean': {
      const options: [string, string][] =
        field.type === 'boolean' ? [['true', t('catalog.yes')], ['false', t('catalog.no')]] : (v.options ?? []).map((o) => [o, o]);
      return (
        <FormField id={id} label={shown} error={error} testId={testId}>
          <select value={text} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
            <option value="">{t('contactForm.unset')}</option>
            {options.map(([optionValue, optionLabel]) => (
              <option key={optionValue} value={optionValue}>
                {optionLabel}
              </option>
            ))}
            {text !== '' && !options.some(([o]) => o === text) ? <option value={text}>{text}</option> : null}
          </select>
        </FormField>
      );
    }
    default:
      return (
        <FormField id={id} label={shown} hint={hint} error={error} testId={testId}>
          <input
            type={field.type === 'date' ? 'date' : 'text'}
            inputMode={field.type === 'number' ? 'decimal' : undefined}
            value={text}
            onChange={(e) => onChange(e.target.value)}
            data-testid={testId}
          />
        </FormField>
      );
  }
}
