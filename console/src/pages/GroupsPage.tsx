import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { type ApiClient, type Department, type SignedInUser, type User } from '../api';
import { catalogApi, type CatalogApi, type Group, type GroupShare } from '../catalog-api';
import { ConfirmDelete, Notice, PageState, type NoticeState } from '../components/catalog-ui';
import { FormField } from '../components/FormField';
import { Modal } from '../components/Modal';
import { messageFor, problemOf, type FormProblem } from '../form-errors';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import '../catalog.css';

type Loaded = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; items: Group[] };

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
const rank = { admin: 0, manager: 1, operator: 2, viewer: 3 } as const;

/**
 * 客戶群組管理 and 客戶資源分享: groups of contacts, and with whom each group's contacts are shared
 * (departments or users, read or read-write). Managers and admins create, change, share and delete;
 * the API lets a manager change only its own department's groups and says so when refused.
 */
export function GroupsPage({ api, user }: { api: ApiClient; user: SignedInUser }) {
  const { t } = useI18n();
  const catalog = useMemo(() => catalogApi(api), [api]);
  const dates = useDateFormat();
  const canManage = rank[user.role] <= rank.manager;
  const [list, setList] = useState<Loaded>({ kind: 'loading' });
  const [departments, setDepartments] = useState<Department[]>([]);
  const [users, setUsers] = useState<User[]>([]);
  const [reloadCount, setReloadCount] = useState(0);
  const [editing, setEditing] = useState<Group | 'new' | undefined>();
  const [sharing, setSharing] = useState<Group | undefined>();
  const [deleting, setDeleting] = useState<Group | undefined>();
  const [notice, setNotice] = useState<NoticeState>();

  useEffect(() => {
    let current = true;
    setList({ kind: 'loading' });
    catalog.listGroups().then(
      (page) => current && setList({ kind: 'ready', items: [...page.items].sort(byName) }),
      (error: unknown) => current && setList({ kind: 'error', message: errorText(t, error) }),
    );
    // Names for departments and users in the sharing column; without them the ids show.
    api.listDepartments().then((page) => current && setDepartments([...page.items].sort(byName)), () => undefined);
    if (canManage) api.listUsers().then((page) => current && setUsers([...page.items].sort((a, b) => a.email.localeCompare(b.email))), () => undefined);
    return () => {
      current = false;
    };
  }, [api, catalog, canManage, reloadCount]);

  const departmentName = (id?: string) => (id === undefined ? t('groups.noDepartment') : (departments.find((d) => d.id === id)?.name ?? id));
  const shareName = (share: GroupShare) =>
    share.kind === 'department' ? departmentName(share.id) : (users.find((u) => u.id === share.id)?.name || users.find((u) => u.id === share.id)?.email || share.id);

  function replace(group: Group) {
    setList((state) => (state.kind === 'ready' ? { kind: 'ready', items: [...state.items.filter((g) => g.id !== group.id), group].sort(byName) } : state));
  }

  return (
    <section className="page" aria-labelledby="groups-title">
      <header className="page__header">
        <div>
          <h1 id="groups-title" data-testid="page-title">
            {t('groups.title')}
          </h1>
          <p className="muted">{t('groups.subtitle')}</p>
        </div>
        {canManage ? (
          <button type="button" className="button button--primary" onClick={() => setEditing('new')} data-testid="group-add">
            + {t('groups.add')}
          </button>
        ) : null}
      </header>
      {!canManage ? (
        <p className="notice notice--info" data-testid="read-only">
          {t('groups.readOnly')}
        </p>
      ) : null}
      <Notice notice={notice} onClose={() => setNotice(undefined)} />

      <div className="card">
        <PageState state={list} onRetry={() => setReloadCount((c) => c + 1)} loadFailed={t('groups.loadFailed')} empty={t('groups.empty')} emptyHint={canManage ? t('groups.emptyHint') : undefined}>
          {(items: Group[]) => (
            <div className="table-wrap">
              <table className="table" data-testid="groups-table">
                <thead>
                  <tr>
                    <th scope="col">{t('groups.name')}</th>
                    <th scope="col">{t('groups.owner')}</th>
                    <th scope="col">{t('groups.sharedWith')}</th>
                    <th scope="col">{t('groups.updatedAt')}</th>
                    {canManage ? (
                      <th scope="col" className="table__actions">
                        <span className="visually-hidden">{t('common.actions')}</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {items.map((group) => (
                    <tr key={group.id} data-testid="group-row" data-group-id={group.id}>
                      <td>
                        <div className="table__strong">
                          <a href={`#/contacts?group=${encodeURIComponent(group.id)}`} title={t('groups.showContacts')}>
                            {group.name}
                          </a>
                        </div>
                        {group.description ? <div className="muted table__sub">{group.description}</div> : null}
                      </td>
                      <td className="nowrap">{departmentName(group.departmentId)}</td>
                      <td data-testid="group-shares">
                        {group.sharedWith.length === 0 ? (
                          <span className="muted">{t('groups.notShared')}</span>
                        ) : (
                          group.sharedWith.map((share) => (
                            <span key={`${share.kind}:${share.id}`} className={`share share--${share.access}`}>
                              <span aria-hidden="true">{share.kind === 'department' ? '▣' : '●'}</span> {shareName(share)}
                              <span className="share__access">{t(`groups.access.${share.access}`)}</span>
                            </span>
                          ))
                        )}
                      </td>
                      <td className="nowrap muted">{dates.dateTime(group.updatedAt)}</td>
                      {canManage ? (
                        <td className="table__actions">
                          <button type="button" className="button button--small" onClick={() => setSharing(group)} aria-label={t('groups.shareOf', { name: group.name })} data-testid="group-share">
                            {t('groups.share')}
                          </button>
                          <button type="button" className="button button--small" onClick={() => setEditing(group)} aria-label={t('catalog.editOf', { name: group.name })} data-testid="group-edit">
                            {t('common.edit')}
                          </button>
                          <button
                            type="button"
                            className="button button--small button--danger-ghost"
                            onClick={() => setDeleting(group)}
                            aria-label={t('catalog.deleteOf', { name: group.name })}
                            data-testid="group-delete"
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

      {editing ? (
        <NamedForm
          kind="group"
          item={editing === 'new' ? undefined : editing}
          save={(input, id) => (id ? catalog.updateGroup(id, input) : catalog.createGroup(input))}
          onSaved={(group, created) => {
            setEditing(undefined);
            replace(group as Group);
            setNotice({ key: created ? 'groups.created' : 'groups.updated', name: group.name });
          }}
          onClose={() => setEditing(undefined)}
        />
      ) : null}
      {sharing ? (
        <ShareEditor
          catalog={catalog}
          group={sharing}
          departments={departments}
          users={users}
          onSaved={(group) => {
            setSharing(undefined);
            replace(group);
            setNotice({ key: 'groups.shared', name: group.name });
          }}
          onClose={() => setSharing(undefined)}
        />
      ) : null}
      {deleting ? (
        <ConfirmDelete
          title={t('groups.deleteTitle')}
          text={t('groups.deleteConfirm', { name: deleting.name })}
          onClose={() => setDeleting(undefined)}
          run={() => catalog.deleteGroup(deleting.id)}
          onDone={() => {
            const gone = deleting;
            setDeleting(undefined);
            setNotice({ key: 'groups.deleted', name: gone.name });
            setList((state) => (state.kind === 'ready' ? { kind: 'ready', items: state.items.filter((g) => g.id !== gone.id) } : state));
          }}
        />
      ) : null}
    </section>
  );
}

/** Name + description form shared by groups and categories. */
export function NamedForm({
  kind,
  item,
  save,
  onSaved,
  onClose,
}: {
  kind: 'group' | 'category';
  item?: { id: string; name: string; description?: string };
  save: (input: { name?: string; description?: string | null }, id?: string) => Promise<{ id: string; name: string }>;
  onSaved: (item: { id: string; name: string }, created: boolean) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const formId = useId();
  const [name, setName] = useState(item?.name ?? '');
  const [description, setDescription] = useState(item?.description ?? '');
  const [problem, setProblem] = useState<FormProblem>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const prefix = kind === 'group' ? 'groups' : 'categories';

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem({ fields: {} });
    try {
      const text = description.trim();
      const input = item
        ? { name: name.trim(), description: text === '' ? (item.description ? null : undefined) : text }
        : { name: name.trim(), ...(text ? { description: text } : {}) };
      onSaved(await save(input, item?.id), !item);
    } catch (error) {
      setProblem(problemOf(t, error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      title={t(item ? `${prefix}.editTitle` : `${prefix}.createTitle`)}
      onClose={onClose}
      size="small"
      testId={`${kind}-dialog`}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" form={formId} className="button button--primary" disabled={busy} data-testid={`${kind}-save`}>
            {busy ? t('common.saving') : t('common.save')}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate>
        {problem.message ? (
          <div className="notice notice--error" role="alert" data-testid={`${kind}-form-error`}>
            {problem.message}
          </div>
        ) : null}
        <FormField id={`${formId}-name`} label={t(`${prefix}.name`)} error={messageFor(problem.fields, 'name')} testId={`${kind}-name`}>
          <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" data-testid={`${kind}-name`} />
        </FormField>
        <FormField id={`${formId}-description`} label={t('catalog.description')} error={messageFor(problem.fields, 'description')} testId={`${kind}-description`}>
          <textarea rows={3} value={description} onChange={(e) => setDescription(e.target.value)} data-testid={`${kind}-description`} />
        </FormField>
      </form>
    </Modal>
  );
}

type ShareRow = { kind: GroupShare['kind']; id: string; access: GroupShare['access'] };

/** 客戶資源分享: replaces the group's share list (PUT /groups/{id}/sharing). */
function ShareEditor({
  catalog,
  group,
  departments,
  users,
  onSaved,
  onClose,
}: {
  catalog: CatalogApi;
  group: Group;
  departments: Department[];
  users: User[];
  onSaved: (group: Group) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const formId = useId();
  const [rows, setRows] = useState<ShareRow[]>(() => group.sharedWith.map((s) => ({ ...s })));
  const [problem, setProblem] = useState<FormProblem>({ fields: {} });
  const [busy, setBusy] = useState(false);

  const optionsFor = (kind: ShareRow['kind']) =>
    kind === 'department'
      ? departments.filter((d) => d.id !== group.departmentId).map((d) => ({ id: d.id, label: d.name }))
      : users.map((u) => ({ id: u.id, label: u.name ? `${u.name} <${u.email}>` : u.email }));
  const taken = (kind: ShareRow['kind'], except: number) => new Set(rows.filter((_, i) => i !== except && rows[i]?.kind === kind).map((r) => r.id));

  const canAdd = (['department', 'user'] as const).some((kind) => optionsFor(kind).some((o) => !taken(kind, -1).has(o.id)));

  function add() {
    const kind: ShareRow['kind'] = optionsFor('department').some((o) => !taken('department', -1).has(o.id)) ? 'department' : 'user';
    const first = optionsFor(kind).find((o) => !taken(kind, -1).has(o.id));
    setRows((current) => [...current, { kind, id: first?.id ?? '', access: 'read' }]);
  }

  function change(index: number, next: Partial<ShareRow>) {
    setRows((current) =>
      current.map((row, i) => {
        if (i !== index) return row;
        const merged = { ...row, ...next };
        // A new kind needs a target of that kind.
        if (next.kind && next.kind !== row.kind) merged.id = optionsFor(next.kind).find((o) => !taken(next.kind as ShareRow['kind'], index).has(o.id))?.id ?? '';
        return merged;
      }),
    );
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem({ fields: {} });
    try {
      onSaved(await catalog.shareGroup(group.id, rows.filter((r) => r.id !== '')));
    } catch (error) {
      setProblem(problemOf(t, error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      title={t('groups.shareTitle', { name: group.name })}
      onClose={onClose}
      testId="share-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" form={formId} className="button button--primary" disabled={busy} data-testid="share-save">
            {busy ? t('common.saving') : t('common.save')}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate>
        <p className="muted form-hint">{t('groups.shareHint')}</p>
        {problem.message ? (
          <div className="notice notice--error" role="alert" data-testid="share-error">
            {problem.message}
          </div>
        ) : null}
        {rows.length === 0 ? <p className="muted share-empty">{t('groups.notShared')}</p> : null}
        <ul className="share-rows">
          {rows.map((row, index) => {
            const error = messageFor(problem.fields, `sharedWith.${index}`);
            const options = optionsFor(row.kind).filter((o) => o.id === row.id || !taken(row.kind, index).has(o.id));
            const known = options.some((o) => o.id === row.id);
            return (
              <li key={index} className={`share-row${error ? ' field--invalid' : ''}`} data-testid="share-row">
                <select aria-label={t('groups.shareKind')} value={row.kind} onChange={(e) => change(index, { kind: e.target.value as ShareRow['kind'] })} data-testid="share-kind">
                  <option value="department">{t('groups.kind.department')}</option>
                  <option value="user">{t('groups.kind.user')}</option>
                </select>
                <select aria-label={t('groups.shareTarget')} value={row.id} onChange={(e) => change(index, { id: e.target.value })} data-testid="share-target">
                  {known ? null : <option value={row.id}>{row.id || t('groups.choose')}</option>}
                  {options.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.label}
                    </option>
                  ))}
                </select>
                <select aria-label={t('groups.shareAccess')} value={row.access} onChange={(e) => change(index, { access: e.target.value as ShareRow['access'] })} data-testid="share-access">
                  <option value="read">{t('groups.access.read')}</option>
                  <option value="readWrite">{t('groups.access.readWrite')}</option>
                </select>
                <button type="button" className="icon-button" aria-label={t('groups.shareRemove')} onClick={() => setRows((current) => current.filter((_, i) => i !== index))}>
                  ×
                </button>
                {error ? <p className="field__error share-row__error">{error}</p> : null}
              </li>
            );
          })}
        </ul>
        <button type="button" className="button button--small" onClick={add} disabled={!canAdd} data-testid="share-add">
          + {t('groups.shareAdd')}
        </button>
      </form>
    </Modal>
  );
}
