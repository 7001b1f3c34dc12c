import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { type ApiClient, type Role } from '../api';
import { catalogApi, customFieldTypes, labelOf, type CustomField, type CustomFieldType, type FieldInput, type FieldValidation } from '../catalog-api';
import { FormField } from '../components/FormField';
import { Modal } from '../components/Modal';
import { ConfirmDelete, Notice, type NoticeState, PageState } from '../components/catalog-ui';
import { messageFor, problemOf, type FormProblem } from '../form-errors';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import '../catalog.css';

type Loaded = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; items: CustomField[] };

const byName = (a: CustomField, b: CustomField) => a.name.localeCompare(b.name);

/**
 * 延伸資料庫: the workspace's own contact fields. Admins define, change and delete them; everyone
 * else reads the list (the contact form and the segment builder use them).
 */
export function FieldsPage({ api, role }: { api: ApiClient; role: Role }) {
  const { t, language } = useI18n();
  const catalog = useMemo(() => catalogApi(api), [api]);
  const dates = useDateFormat();
  const isAdmin = role === 'admin';
  const [list, setList] = useState<Loaded>({ kind: 'loading' });
  const [reloadCount, setReloadCount] = useState(0);
  const [editing, setEditing] = useState<CustomField | 'new' | undefined>();
  const [deleting, setDeleting] = useState<CustomField | undefined>();
  const [notice, setNotice] = useState<NoticeState>();

  useEffect(() => {
    let current = true;
    setList({ kind: 'loading' });
    catalog.listFields().then(
      (page) => current && setList({ kind: 'ready', items: [...page.items].sort(byName) }),
      (error: unknown) => current && setList({ kind: 'error', message: errorText(t, error) }),
    );
    return () => {
      current = false;
    };
    // Not keyed on t: switching language must not re-fetch.
  }, [catalog, reloadCount]);

  const label = (field: CustomField) => labelOf(field.label, language, field.name);

  function saved(field: CustomField, created: boolean) {
    setEditing(undefined);
    setNotice({ key: created ? 'fields.created' : 'fields.updated', name: label(field) });
    setList((state) =>
      state.kind === 'ready'
        ? { kind: 'ready', items: [...state.items.filter((f) => f.name !== field.name), field].sort(byName) }
        : state,
    );
  }

  return (
    <section className="page" aria-labelledby="fields-title">
      <header className="page__header">
        <div>
          <h1 id="fields-title" data-testid="page-title">
            {t('fields.title')}
          </h1>
          <p className="muted">{t('fields.subtitle')}</p>
        </div>
        {isAdmin ? (
          <button type="button" className="button button--primary" onClick={() => setEditing('new')} data-testid="field-add">
            + {t('fields.add')}
          </button>
        ) : null}
      </header>
      {!isAdmin ? (
        <p className="notice notice--info" data-testid="read-only">
          {t('fields.readOnly')}
        </p>
      ) : null}
      <Notice notice={notice} onClose={() => setNotice(undefined)} />

      <div className="card">
        <PageState state={list} onRetry={() => setReloadCount((c) => c + 1)} loadFailed={t('fields.loadFailed')} empty={t('fields.empty')} emptyHint={isAdmin ? t('fields.emptyHint') : undefined}>
          {(items: CustomField[]) => (
            <div className="table-wrap">
              <table className="table" data-testid="fields-table">
                <thead>
                  <tr>
                    <th scope="col">{t('fields.label')}</th>
                    <th scope="col">{t('fields.name')}</th>
                    <th scope="col">{t('fields.type')}</th>
                    <th scope="col">{t('fields.rules')}</th>
                    <th scope="col">{t('fields.updatedAt')}</th>
                    {isAdmin ? (
                      <th scope="col" className="table__actions">
                        <span className="visually-hidden">{t('common.actions')}</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {items.map((field) => (
                    <tr key={field.name} data-testid="field-row" data-field-name={field.name}>
                      <td>
                        <div className="table__strong">{label(field)}</div>
                        {field.label['zh-TW'] && field.label.en ? <div className="muted table__sub">{language === 'zh-TW' ? field.label.en : field.label['zh-TW']}</div> : null}
                      </td>
                      <td className="mono nowrap">{field.name}</td>
                      <td className="nowrap">
                        {t(`fieldType.${field.type}`)}
                        {field.inUse ? (
                          <span className="badge badge--inuse" title={t('fields.inUseHint')}>
                            {t('fields.inUse')}
                          </span>
                        ) : null}
                      </td>
                      <td className="fields__rules">
                        <FieldRules field={field} />
                      </td>
                      <td className="nowrap muted">{dates.dateTime(field.updatedAt)}</td>
                      {isAdmin ? (
                        <td className="table__actions">
                          <button type="button" className="button button--small" onClick={() => setEditing(field)} aria-label={t('catalog.editOf', { name: label(field) })} data-testid="field-edit">
                            {t('common.edit')}
                          </button>
                          <button
                            type="button"
                            className="button button--small button--danger-ghost"
                            onClick={() => setDeleting(field)}
                            aria-label={t('catalog.deleteOf', { name: label(field) })}
                            data-testid="field-delete"
                          >
                            {t('common.delete')}
                          </button>
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </PageState>
      </div>

      {editing ? <FieldForm catalog={catalog} field={editing === 'new' ? undefined : editing} onSaved={saved} onClose={() => setEditing(undefined)} /> : null}
      {deleting ? (
        <ConfirmDelete
          title={t('fields.deleteTitle')}
          text={t('fields.deleteConfirm', { name: label(deleting) })}
          onClose={() => setDeleting(undefined)}
          run={() => catalog.deleteField(deleting.name)}
          onDone={() => {
            const gone = deleting;
            setDeleting(undefined);
            setNotice({ key: 'fields.deleted', name: label(gone) });
            setList((state) => (state.kind === 'ready' ? { kind: 'ready', items: state.items.filter((f) => f.name !== gone.name) } : state));
          }}
        />
      ) : null}
    </section>
  );
}

/** The field's required flag and validation in words. */
function FieldRules({ field }: { field: CustomField }) {
  const { t } = useI18n();
  const v = field.validation;
  const parts: string[] = [];
  if (field.required) parts.push(t('fields.required'));
  if (v.maxLength !== undefined) parts.push(t('fields.rule.maxLength', { n: v.maxLength }));
  if (v.pattern) parts.push(t('fields.rule.pattern', { pattern: v.pattern }));
  if (v.integer) parts.push(t('fields.rule.integer'));
  if (v.min !== undefined) parts.push(t('fields.rule.min', { n: String(v.min) }));
  if (v.max !== undefined) parts.push(t('fields.rule.max', { n: String(v.max) }));
  return (
    <>
      {parts.length > 0 ? <div>{parts.join(t('catalog.listSeparator'))}</div> : null}
      {v.options ? (
        <div>
          {v.options.map((option) => (
            <span key={option} className="tag">
              {option}
            </span>
          ))}
        </div>
      ) : null}
      {parts.length === 0 && !v.options ? <span className="muted">{t('common.none')}</span> : null}
    </>
  );
}

interface FieldValues {
  name: string;
  labelZh: string;
  labelEn: string;
  type: CustomFieldType;
  required: boolean;
  maxLength: string;
  pattern: string;
  min: string;
  max: string;
  integer: boolean;
  options: string;
}

function valuesOf(field: CustomField | undefined): FieldValues {
  const v = field?.validation ?? {};
  return {
    name: field?.name ?? '',
    labelZh: field?.label['zh-TW'] ?? '',
    labelEn: field?.label.en ?? '',
    type: field?.type ?? 'text',
    required: field?.required ?? false,
    maxLength: v.maxLength !== undefined ? String(v.maxLength) : '',
    pattern: v.pattern ?? '',
    min: v.min !== undefined ? String(v.min) : '',
    max: v.max !== undefined ? String(v.max) : '',
    integer: v.integer ?? false,
    options: (v.options ?? []).join('\n'),
  };
}

/** A number the user typed, or the text itself so the API names the mistake. */
const numberOf = (text: string): number | string => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text.trim());

function validationOf(values: FieldValues): FieldValidation {
  switch (values.type) {
    case 'text':
      return {
        ...(values.maxLength.trim() ? { maxLength: numberOf(values.maxLength) as number } : {}),
        ...(values.pattern.trim() ? { pattern: values.pattern.trim() } : {}),
      };
    case 'number':
      return {
        ...(values.min.trim() ? { min: numberOf(values.min) } : {}),
        ...(values.max.trim() ? { max: numberOf(values.max) } : {}),
        ...(values.integer ? { integer: true } : {}),
      };
    case 'date':
      return { ...(values.min ? { min: values.min } : {}), ...(values.max ? { max: values.max } : {}) };
    case 'boolean':
      return {};
    case 'single_choice':
    case 'multi_choice':
      return {
        options: values.options
          .split('\n')
          .map((o) => o.trim())
          .filter(Boolean),
      };
  }
}

function FieldForm({
  catalog,
  field,
  onSaved,
  onClose,
}: {
  catalog: ReturnType<typeof catalogApi>;
  field?: CustomField;
  onSaved: (field: CustomField, created: boolean) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const formId = useId();
  const [values, setValues] = useState<FieldValues>(() => valuesOf(field));
  const [problem, setProblem] = useState<FormProblem>({ fields: {} });
  const [busy, setBusy] = useState(false);

  const set = <K extends keyof FieldValues>(key: K, value: FieldValues[K]) => setValues((current) => ({ ...current, [key]: value }));
  const err = (name: string) => messageFor(problem.fields, name);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem({ fields: {} });
    const label = { ...(values.labelZh.trim() ? { 'zh-TW': values.labelZh.trim() } : {}), ...(values.labelEn.trim() ? { en: values.labelEn.trim() } : {}) };
    try {
      if (field) {
        const changes: FieldInput = { label, required: values.required, validation: validationOf(values) };
        if (values.type !== field.type) changes.type = values.type;
        onSaved(await catalog.updateField(field.name, changes), false);
      } else {
        onSaved(await catalog.createField({ name: values.name.trim(), label, type: values.type, required: values.required, validation: validationOf(values) }), true);
      }
    } catch (error) {
      setProblem(problemOf(t, error));
    } finally {
      setBusy(false);
    }
  }

  const id = (name: string) => `${formId}-${name}`;
  const choice = values.type === 'single_choice' || values.type === 'multi_choice';
  // `label` problems (neither language given) belong under both label inputs.
  const labelError = problem.fields.label;

  return (
    <Modal
      title={field ? t('fields.editTitle') : t('fields.createTitle')}
      onClose={onClose}
      testId="field-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" form={formId} className="button button--primary" disabled={busy} data-testid="field-save">
            {busy ? t('common.saving') : t('common.save')}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate>
        {problem.message ? (
          <div className="notice notice--error" role="alert" data-testid="field-form-error">
            {problem.message}
          </div>
        ) : null}
        <div className="form-grid">
          <FormField id={id('name')} label={t('fields.name')} hint={field ? t('fields.nameFixed') : t('fields.nameHint')} error={err('name')} testId="field-name" wide>
            <input className="mono" value={values.name} onChange={(e) => set('name', e.target.value)} disabled={Boolean(field)} autoComplete="off" data-testid="field-name" />
          </FormField>
          <FormField id={id('labelZh')} label={t('fields.labelZh')} error={err('label.zh-TW') ?? labelError} testId="field-label-zh">
            <input value={values.labelZh} onChange={(e) => set('labelZh', e.target.value)} data-testid="field-label-zh" />
          </FormField>
          <FormField id={id('labelEn')} label={t('fields.labelEn')} error={err('label.en') ?? labelError} testId="field-label-en">
            <input value={values.labelEn} onChange={(e) => set('labelEn', e.target.value)} data-testid="field-label-en" />
          </FormField>
          <FormField id={id('type')} label={t('fields.type')} hint={field?.inUse ? t('fields.inUseHint') : undefined} error={err('type')} testId="field-type">
            <select value={values.type} onChange={(e) => set('type', e.target.value as CustomFieldType)} data-testid="field-type">
              {customFieldTypes.map((type) => (
                <option key={type} value={type}>
                  {t(`fieldType.${type}`)}
                </option>
              ))}
            </select>
          </FormField>
          <div className="field field--check">
            <label className="choice">
              <input type="checkbox" checked={values.required} onChange={(e) => set('required', e.target.checked)} data-testid="field-required" />
              {t('fields.requiredLabel')}
            </label>
            <p className="field__hint">{t('fields.requiredHint')}</p>
          </div>

          {values.type === 'text' ? (
            <>
              <FormField id={id('maxLength')} label={t('fields.maxLength')} error={err('validation.maxLength')} testId="field-maxLength">
                <input type="number" min={1} value={values.maxLength} onChange={(e) => set('maxLength', e.target.value)} data-testid="field-maxLength" />
              </FormField>
              <FormField id={id('pattern')} label={t('fields.pattern')} hint={t('fields.patternHint')} error={err('validation.pattern')} testId="field-pattern">
                <input className="mono" value={values.pattern} onChange={(e) => set('pattern', e.target.value)} data-testid="field-pattern" />
              </FormField>
            </>
          ) : null}
          {values.type === 'number' || values.type === 'date' ? (
            <>
              <FormField id={id('min')} label={t('fields.min')} error={err('validation.min')} testId="field-min">
                <input type={values.type === 'date' ? 'date' : 'number'} value={values.min} onChange={(e) => set('min', e.target.value)} data-testid="field-min" />
              </FormField>
              <FormField id={id('max')} label={t('fields.max')} error={err('validation.max')} testId="field-max">
                <input type={values.type === 'date' ? 'date' : 'number'} value={values.max} onChange={(e) => set('max', e.target.value)} data-testid="field-max" />
              </FormField>
            </>
          ) : null}
          {values.type === 'number' ? (
            <div className="field field--check">
              <label className="choice">
                <input type="checkbox" checked={values.integer} onChange={(e) => set('integer', e.target.checked)} data-testid="field-integer" />
                {t('fields.integer')}
              </label>
            </div>
          ) : null}
          {choice ? (
            <FormField id={id('options')} label={t('fields.options')} hint={t('fields.optionsHint')} error={err('validation.options') ?? err('validation')} testId="field-options" wide>
              <textarea rows={5} value={values.options} onChange={(e) => set('options', e.target.value)} data-testid="field-options" />
            </FormField>
          ) : err('validation') ? (
            <p className="field__error form-grid__wide">{err('validation')}</p>
          ) : null}
        </div>
      </form>
    </Modal>
  );
}
