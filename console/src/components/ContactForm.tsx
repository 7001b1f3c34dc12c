import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError, NetworkError, type ApiClient, type Contact } from '../api';
import { catalogApi, type FullContactInput } from '../catalog-api';
import { fieldMessage } from '../form-errors';
import { useI18n } from '../i18n/I18nProvider';
import { type MessageKey } from '../i18n/en';
import { type Definitions } from '../use-definitions';
import { ContactActivity } from './ContactActivity';
import { ContactExtras, extrasChanges, extrasCreate, extrasOf, type ExtraValues } from './ContactExtras';
import { Modal } from './Modal';

const textFields = ['email', 'mobile', 'fax', 'name', 'company', 'title', 'birthday', 'city', 'address', 'gender', 'language', 'status'] as const;
type TextField = (typeof textFields)[number];
type FormValues = Record<TextField | 'tags', string>;

const channelFields = ['email', 'mobile', 'fax'] as const;

function valuesOf(contact: Contact | undefined): FormValues {
  const values = {} as FormValues;
  for (const field of textFields) values[field] = contact?.[field] ?? '';
  values.status = contact?.status ?? 'active';
  values.tags = contact?.tags.join(', ') ?? '';
  return values;
}

function tagsOf(text: string): string[] {
  return [...new Set(text.split(/[,，、]/).map((tag) => tag.trim()).filter(Boolean))];
}

/** A create sends only what was filled in. */
function createInput(values: FormValues): FullContactInput {
  const input: FullContactInput = {};
  for (const field of textFields) {
    const value = values[field].trim();
    // A new contact starts active; the status select is only offered when editing.
    if (value !== '' && field !== 'status') input[field] = value;
  }
  const tags = tagsOf(values.tags);
  if (tags.length > 0) input.tags = tags;
  return input;
}

/** An update sends only what changed; an emptied field is sent as null, which clears it. */
function changesOf(original: Contact, values: FormValues): FullContactInput {
  const before = valuesOf(original);
  const changes: FullContactInput = {};
  for (const field of textFields) {
    const value = values[field].trim();
    if (value !== before[field]) changes[field] = value === '' ? null : value;
  }
  const tags = tagsOf(values.tags);
  if (tags.join('\n') !== original.tags.join('\n')) changes.tags = tags;
  return changes;
}

export function ContactForm({
  api,
  contact,
  defs,
  onSaved,
  onClose,
}: {
  api: ApiClient;
  contact?: Contact;
  /** Custom fields, groups and categories: the form offers them when given. */
  defs?: Definitions;
  onSaved: (contact: Contact, created: boolean) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const formId = useId();
  const catalog = useMemo(() => catalogApi(api), [api]);
  const [values, setValues] = useState<FormValues>(() => valuesOf(contact));
  const [extras, setExtras] = useState<ExtraValues>(() => extrasOf(contact, defs));
  // Keyed by the API's problem field: `email`, `tags`, `score`, `groups`, `custom.<name>`, `subscriptions.<id>`.
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<string, string>>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [extraErrors, setExtraErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  // Bumped when the API's answer marks inputs: the first marked one is brought into view, as the
  // long form may have it scrolled away (a custom field far below the summary).
  const [marked, setMarked] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (marked === 0) return;
    formRef.current?.querySelector('.field--invalid')?.scrollIntoView({ block: 'center' });
  }, [marked]);

  const set = (field: keyof FormValues) => (event: { target: { value: string } }) => {
    setValues((current) => ({ ...current, [field]: event.target.value }));
    setFieldErrors((current) => ({ ...current, [field]: undefined }));
  };

  function showApiError(error: unknown) {
    if (error instanceof NetworkError) return setFormError(t('common.network'));
    if (!(error instanceof ApiError)) return setFormError(t('common.unexpected', { status: '?' }));
    const next: Partial<Record<string, string>> = {};
    const extra: string[] = [];
    for (const problem of error.problem.errors ?? []) {
      // `tags.2` belongs to the tags input, `custom.size.1` to the size input; anything not on the
      // form is listed above it.
      const parts = problem.field.split('.');
      const top = parts[0] ?? '';
      const key = (top === 'custom' || top === 'subscriptions') && parts[1] ? `${top}.${parts[1]}` : top;
      const onForm =
        top in values ||
        (defs !== undefined &&
          (key === 'score' ||
            key === 'groups' ||
            (top === 'custom' && defs.fields.some((f) => f.name === parts[1])) ||
            (top === 'subscriptions' && defs.categories.some((c) => c.id === parts[1]))));
      const message = fieldMessage(t, problem.message);
      if (onForm) next[key] = next[key] ? `${next[key]} ${message}` : message;
      else extra.push(problem.field ? `${problem.field}: ${message}` : message);
    }
    switch (error.status) {
      case 400:
        // Field messages sit by their inputs; the summary only repeats the API's words when
        // nothing on the form could be marked.
        setFormError(Object.keys(next).length > 0 ? t('contacts.fixErrors') : (error.problem.detail ?? t('contacts.fixErrors')));
        break;
      case 409:
        // A duplicate e-mail: say it in the user's language, next to the e-mail input.
        next.email = t('contacts.duplicateEmail');
        setFormError(undefined);
        break;
      case 412:
        setFormError(t('contacts.changedElsewhere'));
        break;
      case 404:
        setFormError(t('contacts.gone'));
        break;
      case 403:
        setFormError(error.problem.detail ?? t('contacts.forbidden'));
        break;
      default:
        setFormError(error.problem.detail ?? t('common.unexpected', { status: error.status }));
    }
    setFieldErrors(next);
    setExtraErrors(extra);
    if (Object.keys(next).length > 0) setMarked((n) => n + 1);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(undefined);
    setExtraErrors([]);
    if (channelFields.every((field) => values[field].trim() === '')) {
      const message = t('contacts.needOneChannel');
      setFieldErrors({ email: message, mobile: message, fax: message });
      return;
    }
    setBusy(true);
    try {
      if (contact) {
        const changes: FullContactInput = { ...changesOf(contact, values), ...(defs ? extrasChanges(contact, extras, defs) : {}) };
        if (Object.keys(changes).length === 0) return onClose();
        onSaved(await catalog.updateContact(contact.id, changes, contact.version), false);
      } else {
        onSaved(await catalog.createContact({ ...createInput(values), ...(defs ? extrasCreate(extras, defs) : {}) }), true);
      }
    } catch (error) {
      showApiError(error);
    } finally {
      setBusy(false);
    }
  }

  const input = (field: TextField | 'tags', label: MessageKey, props: Record<string, unknown> = {}, hint?: MessageKey) => {
    const id = `${formId}-${field}`;
    const error = fieldErrors[field];
    const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
    return (
      <div className={`field${error ? ' field--invalid' : ''}`}>
        <label htmlFor={id}>{t(label)}</label>
        <input
          id={id}
          name={field}
          value={values[field]}
          onChange={set(field)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy || undefined}
          data-testid={`contact-${field}`}
          {...props}
        />
        {hint ? (
          <p id={`${id}-hint`} className="field__hint">
            {t(hint)}
          </p>
        ) : null}
        {error ? (
          <p id={`${id}-error`} className="field__error" data-testid={`contact-${field}-error`}>
            {error}
          </p>
        ) : null}
      </div>
    );
  };

  const select = (field: 'gender' | 'language' | 'status', label: MessageKey, options: readonly [string, string][]) => {
    const id = `${formId}-${field}`;
    const error = fieldErrors[field];
    const known = options.some(([value]) => value === values[field]);
    return (
      <div className={`field${error ? ' field--invalid' : ''}`}>
        <label htmlFor={id}>{t(label)}</label>
        <select
          id={id}
          name={field}
          value={values[field]}
          onChange={set(field)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          data-testid={`contact-${field}`}
        >
          {options.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
          {/* Keep a value the API holds even if this form has no name for it. */}
          {known ? null : <option value={values[field]}>{values[field]}</option>}
        </select>
        {error ? (
          <p id={`${id}-error`} className="field__error" data-testid={`contact-${field}-error`}>
            {error}
          </p>
        ) : null}
      </div>
    );
  };

  return (
    <Modal
      title={contact ? t('contacts.editTitle') : t('contacts.createTitle')}
      onClose={onClose}
      testId="contact-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" form={formId} className="button button--primary" disabled={busy} data-testid="contact-save">
            {busy ? t('common.saving') : t('common.save')}
          </button>
        </>
      }
    >
      <form id={formId} ref={formRef} onSubmit={submit} noValidate>
        {formError || extraErrors.length > 0 ? (
          <div className="notice notice--error" role="alert" data-testid="contact-form-error">
            {formError ? <p>{formError}</p> : null}
            {extraErrors.length > 0 ? (
              <ul>
                {extraErrors.map((message) => (
                  <li key={message}>{message}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        <p className="muted form-hint">{t('contacts.requiredHint')}</p>
        <fieldset className="form-grid">
          {input('email', 'field.email', { type: 'email', autoComplete: 'off', inputMode: 'email' })}
          {input('mobile', 'field.mobile', { type: 'tel', autoComplete: 'off', placeholder: '0912 345 678' })}
          {input('fax', 'field.fax', { type: 'tel', autoComplete: 'off' })}
          {input('name', 'field.name', { autoComplete: 'off' })}
          {input('company', 'field.company')}
          {input('title', 'field.title')}
          {select('gender', 'field.gender', [
            ['', t('gender.unset')],
            ['female', t('gender.female')],
            ['male', t('gender.male')],
            ['other', t('gender.other')],
          ])}
          {input('birthday', 'field.birthday', { type: 'date' })}
          {input('city', 'field.city')}
          {select('language', 'field.language', [
            ['', t('language.unset')],
            ['zh-TW', t('lang.zh-TW')],
            ['en', t('lang.en')],
          ])}
          <div className="form-grid__wide">{input('address', 'field.address')}</div>
          <div className="form-grid__wide">{input('tags', 'field.tags', {}, 'field.tagsHint')}</div>
          {contact
            ? select('status', 'field.status', [
                ['active', t('status.active')],
                ['unsubscribed', t('status.unsubscribed')],
                ['bounced', t('status.bounced')],
                ['complained', t('status.complained')],
              ])
            : null}
        </fieldset>
        {defs ? (
          <ContactExtras
            formId={formId}
            defs={defs}
            values={extras}
            errors={fieldErrors}
            onChange={(next, changedKey) => {
              setExtras(next);
              setFieldErrors((current) => ({ ...current, [changedKey]: undefined }));
            }}
          />
        ) : null}
      </form>
      {/* 互動紀錄: outside the form, so its buttons never submit it. */}
      {contact ? <ContactActivity api={api} contactId={contact.id} defs={defs} /> : null}
    </Modal>
  );
}
