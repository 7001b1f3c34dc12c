import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError, type ApiClient, type Contact, type Role } from '../api';
import { catalogApi, labelOf, type RuleTree, type Segment, type SegmentPreview } from '../catalog-api';
import { ConfirmDelete, Notice, PageState, type NoticeState } from '../components/catalog-ui';
import { FormField } from '../components/FormField';
import { RuleBuilder } from '../components/RuleBuilder';
import { messageFor, problemOf, type FormProblem } from '../form-errors';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import { completeRules, errorsByNode, ruleFields } from '../rules';
import { useDefinitions } from '../use-definitions';
import '../catalog.css';

type Loaded = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; items: Segment[] };

const byName = (a: Segment, b: Segment) => a.name.localeCompare(b.name);
const previewDelayMs = 500;

/**
 * 客戶分群: saved rules over contact fields, custom fields, groups, categories, status, score and
 * activity, with a live count and a sample while the rules are edited. Viewers read; operators
 * and above build, change and delete.
 */
export function SegmentsPage({ api, role }: { api: ApiClient; role: Role }) {
  const { t } = useI18n();
  const catalog = useMemo(() => catalogApi(api), [api]);
  const dates = useDateFormat();
  const canWrite = role !== 'viewer';
  const [list, setList] = useState<Loaded>({ kind: 'loading' });
  const [reloadCount, setReloadCount] = useState(0);
  const [editing, setEditing] = useState<Segment | 'new' | undefined>();
  const [deleting, setDeleting] = useState<Segment | undefined>();
  const [notice, setNotice] = useState<NoticeState>();

  useEffect(() => {
    let current = true;
    setList({ kind: 'loading' });
    catalog.listSegments().then(
      (page) => current && setList({ kind: 'ready', items: [...page.items].sort(byName) }),
      (error: unknown) => current && setList({ kind: 'error', message: errorText(t, error) }),
    );
    return () => {
      current = false;
    };
  }, [catalog, reloadCount]);

  if (editing) {
    return (
      <SegmentEditor
        api={api}
        segment={editing === 'new' ? undefined : editing}
        readOnly={!canWrite}
        onSaved={(segment, created) => {
          setEditing(undefined);
          setNotice({ key: created ? 'segments.created' : 'segments.updated', name: segment.name });
          setList((state) => (state.kind === 'ready' ? { kind: 'ready', items: [...state.items.filter((s) => s.id !== segment.id), segment].sort(byName) } : state));
        }}
        onClose={() => setEditing(undefined)}
      />
    );
  }

  return (
    <section className="page" aria-labelledby="segments-title">
      <header className="page__header">
        <div>
          <h1 id="segments-title" data-testid="page-title">
            {t('segments.title')}
          </h1>
          <p className="muted">{t('segments.subtitle')}</p>
        </div>
        {canWrite ? (
          <button type="button" className="button button--primary" onClick={() => setEditing('new')} data-testid="segment-add">
            + {t('segments.add')}
          </button>
        ) : null}
      </header>
      {!canWrite ? (
        <p className="notice notice--info" data-testid="read-only">
          {t('segments.readOnly')}
        </p>
      ) : null}
      <Notice notice={notice} onClose={() => setNotice(undefined)} />
      <div className="card">
        <PageState state={list} onRetry={() => setReloadCount((c) => c + 1)} loadFailed={t('segments.loadFailed')} empty={t('segments.empty')} emptyHint={canWrite ? t('segments.emptyHint') : undefined}>
          {(items: Segment[]) => (
            <div className="table-wrap">
              <table className="table" data-testid="segments-table">
                <thead>
                  <tr>
                    <th scope="col">{t('segments.name')}</th>
                    <th scope="col">{t('segments.conditions')}</th>
                    <th scope="col">{t('segments.updatedAt')}</th>
                    <th scope="col" className="table__actions">
                      <span className="visually-hidden">{t('common.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((segment) => (
                    <tr key={segment.id} data-testid="segment-row" data-segment-id={segment.id}>
                      <td>
                        <div className="table__strong">{segment.name}</div>
                        {segment.description ? <div className="muted table__sub">{segment.description}</div> : null}
                      </td>
                      <td className="nowrap">{t('segments.conditionCount', { count: countConditions(segment.rules) })}</td>
                      <td className="nowrap muted">{dates.dateTime(segment.updatedAt)}</td>
                      <td className="table__actions">
                        <button type="button" className="button button--small" onClick={() => setEditing(segment)} aria-label={t(canWrite ? 'catalog.editOf' : 'segments.viewOf', { name: segment.name })} data-testid="segment-edit">
                          {canWrite ? t('common.edit') : t('segments.view')}
                        </button>
                        {canWrite ? (
                          <button
                            type="button"
                            className="button button--small button--danger-ghost"
                            onClick={() => setDeleting(segment)}
                            aria-label={t('catalog.deleteOf', { name: segment.name })}
                            data-testid="segment-delete"
                          >
                            {t('common.delete')}
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </PageState>
      </div>
      {deleting ? (
        <ConfirmDelete
          title={t('segments.deleteTitle')}
          text={t('segments.deleteConfirm', { name: deleting.name })}
          onClose={() => setDeleting(undefined)}
          run={() => catalog.deleteSegment(deleting.id)}
          onDone={() => {
            const gone = deleting;
            setDeleting(undefined);
            setNotice({ key: 'segments.deleted', name: gone.name });
            setList((state) => (state.kind === 'ready' ? { kind: 'ready', items: state.items.filter((s) => s.id !== gone.id) } : state));
          }}
        />
      ) : null}
    </section>
  );
}

function countConditions(tree: RuleTree): number {
  return tree.conditions.reduce((sum, node) => sum + ('conditions' in node ? countConditions(node) : 1), 0);
}

type PreviewState =
  | { kind: 'idle' }
  | { kind: 'incomplete' }
  | { kind: 'loading'; last?: SegmentPreview }
  | { kind: 'ready'; preview: SegmentPreview }
  | { kind: 'error'; message: string };

function SegmentEditor({
  api,
  segment,
  readOnly,
  onSaved,
  onClose,
}: {
  api: ApiClient;
  segment?: Segment;
  readOnly: boolean;
  onSaved: (segment: Segment, created: boolean) => void;
  onClose: () => void;
}) {
  const { t, language } = useI18n();
  const formId = useId();
  const catalog = useMemo(() => catalogApi(api), [api]);
  const { defs } = useDefinitions(catalog);
  const [name, setName] = useState(segment?.name ?? '');
  const [description, setDescription] = useState(segment?.description ?? '');
  const [rules, setRules] = useState<RuleTree>(() => segment?.rules ?? { match: 'all', conditions: [{ field: 'status', op: 'eq', value: 'active' }] });
  const [problem, setProblem] = useState<FormProblem>({ fields: {} });
  const [ruleErrors, setRuleErrors] = useState<Map<string, string[]>>(new Map());
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<PreviewState>({ kind: 'idle' });
  const generation = useRef(0);

  const fields = useMemo(
    () => ruleFields(defs, (key) => t(key as Parameters<typeof t>[0]), (field) => labelOf(field.label, language, field.name)),
    [defs, t, language],
  );

  // Live count and sample: debounced, and an older answer never overwrites a newer one.
  useEffect(() => {
    const ready = completeRules(rules);
    const current = ++generation.current;
    if (!ready) {
      setPreview({ kind: 'incomplete' });
      return;
    }
    setPreview((state) => ({ kind: 'loading', last: state.kind === 'ready' ? state.preview : state.kind === 'loading' ? state.last : undefined }));
    const timer = setTimeout(() => {
      catalog.previewSegment(ready).then(
        (result) => {
          if (current !== generation.current) return;
          setRuleErrors(new Map());
          setPreview({ kind: 'ready', preview: result });
        },
        (error: unknown) => {
          if (current !== generation.current) return;
          if (error instanceof ApiError && error.status === 400 && error.problem.errors?.length) {
            setRuleErrors(errorsByNode(error.problem.errors));
            setPreview({ kind: 'error', message: t('segments.previewInvalid') });
          } else {
            setPreview({ kind: 'error', message: errorText(t, error) });
          }
        },
      );
    }, previewDelayMs);
    return () => clearTimeout(timer);
    // Not keyed on t: switching language must not re-count.
  }, [catalog, rules]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (readOnly) return;
    setBusy(true);
    setProblem({ fields: {} });
    try {
      const text = description.trim();
      const saved = segment
        ? await catalog.updateSegment(segment.id, { name: name.trim(), rules, description: text === '' ? (segment.description ? null : undefined) : text })
        : await catalog.createSegment({ name: name.trim(), rules, ...(text ? { description: text } : {}) });
      onSaved(saved, !segment);
    } catch (error) {
      const next = problemOf(t, error);
      setProblem(next);
      if (error instanceof ApiError) setRuleErrors(errorsByNode((error.problem.errors ?? []).filter((e) => e.field.replace(/^body\./, '').startsWith('rules'))));
    } finally {
      setBusy(false);
    }
  }

  const title = readOnly ? t('segments.viewTitle') : segment ? t('segments.editTitle') : t('segments.createTitle');

  return (
    <section className="page" aria-labelledby="segment-editor-title" data-testid="segment-editor">
      <header className="page__header">
        <div>
          <p className="muted">
            <a href="#/segments" className="back-link" onClick={(e) => (e.preventDefault(), onClose())} data-testid="segment-back">
              ← {t('segments.backToList')}
            </a>
          </p>
          <h1 id="segment-editor-title" data-testid="page-title">
            {title}
          </h1>
        </div>
        {!readOnly ? (
          <div className="page__actions">
            <button type="button" className="button" onClick={onClose}>
              {t('common.cancel')}
            </button>
            <button type="submit" form={formId} className="button button--primary" disabled={busy} data-testid="segment-save">
              {busy ? t('common.saving') : t('common.save')}
            </button>
          </div>
        ) : null}
      </header>
      <div className="segment-editor">
        <form id={formId} onSubmit={submit} noValidate className="segment-editor__main">
          {problem.message ? (
            <div className="notice notice--error" role="alert" data-testid="segment-form-error">
              {problem.message}
            </div>
          ) : null}
          <div className="card card--padded">
            <div className="form-grid">
              <FormField id={`${formId}-name`} label={t('segments.name')} error={messageFor(problem.fields, 'name')} testId="segment-name">
                <input value={name} onChange={(e) => setName(e.target.value)} disabled={readOnly} autoComplete="off" data-testid="segment-name" />
              </FormField>
              <FormField id={`${formId}-description`} label={t('catalog.description')} error={messageFor(problem.fields, 'description')} testId="segment-description">
                <input value={description} onChange={(e) => setDescription(e.target.value)} disabled={readOnly} data-testid="segment-description" />
              </FormField>
            </div>
            <h2 className="segment-editor__rules-title">{t('segments.rules')}</h2>
            <p className="muted form-hint">{t('segments.rulesHint')}</p>
            <RuleBuilder tree={rules} fields={fields} onChange={setRules} errors={ruleErrors} readOnly={readOnly} />
          </div>
        </form>
        <aside className="segment-preview card card--padded" aria-live="polite" data-testid="segment-preview">
          <h2>{t('segments.preview')}</h2>
          <PreviewBody state={preview} />
        </aside>
      </div>
    </section>
  );
}

function PreviewBody({ state }: { state: PreviewState }) {
  const { t, locale } = useI18n();
  const number = new Intl.NumberFormat(locale);
  if (state.kind === 'idle') return null;
  if (state.kind === 'incomplete') return <p className="muted">{t('segments.previewIncomplete')}</p>;
  if (state.kind === 'error') {
    return (
      <p className="notice notice--error" role="alert" data-testid="segment-preview-error">
        {state.message}
      </p>
    );
  }
  const shown = state.kind === 'ready' ? state.preview : state.last;
  return (
    <div className={state.kind === 'loading' ? 'segment-preview__stale' : undefined}>
      <p className="segment-preview__count">
        <strong data-testid="segment-count">{shown ? number.format(shown.count) : '…'}</strong> {t('segments.contactsMatch')}
        {state.kind === 'loading' ? <span className="spinner spinner--small" aria-label={t('common.loading')} /> : null}
      </p>
      {shown && shown.sample.length > 0 ? (
        <>
          <h3 className="segment-preview__sample-title">{t('segments.sample', { count: shown.sample.length })}</h3>
          <ul className="segment-preview__sample" data-testid="segment-sample">
            {shown.sample.map((contact: Contact) => (
              <li key={contact.id}>
                <span className="table__strong">{contact.name ?? contact.email ?? contact.mobile ?? contact.id}</span>
                {contact.name && contact.email ? <span className="muted table__sub">{contact.email}</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
