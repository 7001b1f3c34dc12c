import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, NetworkError, type ApiClient, type Contact, type Role } from '../api';
import { catalogApi, type ContactFilters } from '../catalog-api';
import { ContactFilterBar, filtersFromQuery, filtersToQuery, filterKey } from '../components/ContactFilterBar';
import { ContactActivityDialog } from '../components/ContactActivity';
import { ContactForm } from '../components/ContactForm';
import { Modal } from '../components/Modal';
import { type MessageKey } from '../i18n/en';
import { useI18n } from '../i18n/I18nProvider';
import { subRouteOf } from '../routing';
import { useDefinitions } from '../use-definitions';

const pageSize = 25;
const searchDelayMs = 300;

function displayName(contact: Contact): string {
  return contact.name ?? contact.email ?? contact.mobile ?? contact.fax ?? contact.id;
}

type ListState =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; items: Contact[]; nextCursor?: string; loadingMore: boolean; moreError?: string };

export function ContactsPage({ api, role }: { api: ApiClient; role: Role }) {
  const { t, locale } = useI18n();
  // Viewers see the list only; the API refuses their writes anyway, this just avoids dead ends.
  const canWrite = role !== 'viewer';
  const [searchText, setSearchText] = useState('');
  const [query, setQuery] = useState('');
  const [list, setList] = useState<ListState>({ kind: 'loading' });
  const catalog = useMemo(() => catalogApi(api), [api]);
  const { defs } = useDefinitions(catalog);
  // Filters (group, category, status, score range) start from the address (#/contacts?group=…),
  // so the groups and categories pages can link to their contacts, and follow it.
  const [filters, setFilters] = useState<Omit<ContactFilters, 'q'>>(() => filtersFromQuery(subRouteOf(window.location.hash).query));
  const filtersKey = filterKey(filters);
  useEffect(() => {
    const query = filtersToQuery(filters);
    const hash = `#/contacts${query ? `?${query}` : ''}`;
    if (window.location.hash !== hash) window.history.replaceState(null, '', hash);
  }, [filtersKey]);
  const [reloadCount, setReloadCount] = useState(0);
  const [editing, setEditing] = useState<Contact | 'new' | undefined>();
  const [deleting, setDeleting] = useState<Contact | undefined>();
  // 互動紀錄 on its own: every role may read it (viewers have no edit dialog to find it in).
  const [viewing, setViewing] = useState<Contact | undefined>();
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<string | undefined>();
  // Kept as key + values so a language switch re-translates it.
  const [notice, setNotice] = useState<{ key: MessageKey; name: string } | undefined>();
  // Answers to an older search must not overwrite a newer one.
  const generation = useRef(0);

  const errorText = useCallback(
    (error: unknown) =>
      error instanceof NetworkError
        ? t('common.network')
        : error instanceof ApiError
          ? (error.problem.detail ?? t('common.unexpected', { status: error.status }))
          : t('common.unexpected', { status: '?' }),
    [t],
  );

  // Debounce typing into the search box.
  useEffect(() => {
    const timer = setTimeout(() => setQuery(searchText.trim()), searchDelayMs);
    return () => clearTimeout(timer);
  }, [searchText]);

  useEffect(() => {
    const current = ++generation.current;
    setList({ kind: 'loading' });
    catalog.listContacts({ ...filters, q: query || undefined, limit: pageSize }).then(
      (page) => {
        if (current !== generation.current) return;
        setList({ kind: 'ready', items: [...page.items], nextCursor: page.nextCursor, loadingMore: false });
      },
      (error: unknown) => {
        if (current !== generation.current) return;
        setList({ kind: 'error', message: errorText(error) });
      },
    );
    // Not keyed on errorText: switching language must not re-fetch the list.
  }, [catalog, query, filtersKey, reloadCount]);

  async function loadMore() {
    if (list.kind !== 'ready' || !list.nextCursor) return;
    const current = generation.current;
    setList({ ...list, loadingMore: true, moreError: undefined });
    try {
      const page = await catalog.listContacts({ ...filters, q: query || undefined, cursor: list.nextCursor, limit: pageSize });
      if (current !== generation.current) return;
      setList((state) =>
        state.kind === 'ready'
          ? { kind: 'ready', items: [...state.items, ...page.items], nextCursor: page.nextCursor, loadingMore: false }
          : state,
      );
    } catch (error) {
      if (current !== generation.current) return;
      setList((state) => (state.kind === 'ready' ? { ...state, loadingMore: false, moreError: errorText(error) } : state));
    }
  }

  function onSaved(contact: Contact, created: boolean) {
    setEditing(undefined);
    setNotice({ key: created ? 'contacts.created' : 'contacts.updated', name: displayName(contact) });
    setList((state) => {
      if (state.kind !== 'ready') return state;
      if (created) return { ...state, items: [contact, ...state.items] };
      return { ...state, items: state.items.map((item) => (item.id === contact.id ? contact : item)) };
    });
  }

  async function confirmDelete() {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteError(undefined);
    try {
      await api.deleteContact(deleting.id);
    } catch (error) {
      // Already gone is what the user wanted; anything else is shown in the dialog.
      if (!(error instanceof ApiError && error.status === 404)) {
        setDeleteError(errorText(error));
        setDeleteBusy(false);
        return;
      }
    }
    const removed = deleting;
    setDeleting(undefined);
    setDeleteBusy(false);
    setNotice({ key: 'contacts.deleted', name: displayName(removed) });
    setList((state) => (state.kind === 'ready' ? { ...state, items: state.items.filter((item) => item.id !== removed.id) } : state));
  }

  const dateFormat = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const formatDate = (iso: string) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
  };

  return (
    <section className="page" aria-labelledby="contacts-title">
      <header className="page__header">
        <div>
          <h1 id="contacts-title" data-testid="page-title">
            {t('contacts.title')}
          </h1>
          <p className="muted">{t('contacts.subtitle')}</p>
        </div>
        {canWrite ? (
          <button type="button" className="button button--primary" onClick={() => setEditing('new')} data-testid="contact-add">
            + {t('contacts.add')}
          </button>
        ) : null}
      </header>

      {!canWrite ? (
        <p className="notice notice--info" data-testid="read-only">
          {t('contacts.readOnly')}
        </p>
      ) : null}
      {notice ? (
        <div className="notice notice--success toast" role="status" data-testid="notice">
          <span>{t(notice.key, { name: notice.name })}</span>
          <button type="button" className="icon-button" aria-label={t('common.close')} onClick={() => setNotice(undefined)}>
            ×
          </button>
        </div>
      ) : null}

      <form
        className="toolbar"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setQuery(searchText.trim());
        }}
      >
        <label htmlFor="contact-search" className="visually-hidden">
          {t('contacts.searchLabel')}
        </label>
        <input
          id="contact-search"
          type="search"
          className="toolbar__search"
          placeholder={t('contacts.searchPlaceholder')}
          value={searchText}
          onChange={(event) => setSearchText(event.target.value)}
          data-testid="contact-search"
        />
        <button type="submit" className="button">
          {t('common.search')}
        </button>
        {list.kind === 'ready' ? (
          <span className="toolbar__count muted" data-testid="contact-count">
            {list.nextCursor ? t('contacts.shown', { count: list.items.length }) : t('contacts.allShown', { count: list.items.length })}
          </span>
        ) : null}
      </form>
      <ContactFilterBar defs={defs} filters={filters} onChange={setFilters} />

      <div className="card">
        {list.kind === 'loading' ? (
          <div className="state" role="status" data-testid="contacts-loading">
            <span className="spinner" aria-hidden="true" />
            {t('common.loading')}
          </div>
        ) : list.kind === 'error' ? (
          <div className="state state--error" role="alert" data-testid="contacts-error">
            <p>
              <strong>{t('contacts.loadFailed')}</strong> {list.message}
            </p>
            <button type="button" className="button" onClick={() => setReloadCount((count) => count + 1)}>
              {t('common.retry')}
            </button>
          </div>
        ) : list.items.length === 0 ? (
          <div className="state" data-testid="contacts-empty">
            {filtersKey !== '' ? (
              <p>{t('contactFilters.noMatch')}</p>
            ) : query ? (
              <p>{t('contacts.noMatch', { q: query })}</p>
            ) : (
              <>
                <p>
                  <strong>{t('contacts.empty')}</strong>
                </p>
                <p className="muted">{t('contacts.emptyHint')}</p>
              </>
            )}
          </div>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="contacts-table">
              <thead>
                <tr>
                  <th scope="col">
                    {t('field.name')} / {t('field.email')}
                  </th>
                  <th scope="col">{t('field.mobile')}</th>
                  <th scope="col">{t('field.company')}</th>
                  <th scope="col">
                    {t('catalog.field.groups')} / {t('field.tags')}
                  </th>
                  <th scope="col" className="table__number">{t('catalog.field.score')}</th>
                  <th scope="col">{t('field.status')}</th>
                  <th scope="col">{t('field.updatedAt')}</th>
                  <th scope="col" className="table__actions">
                    <span className="visually-hidden">{t('contacts.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((contact) => (
                  <tr key={contact.id} data-testid="contact-row" data-contact-id={contact.id}>
                    <td>
                      <div className="table__strong nowrap">{contact.name ?? t('common.none')}</div>
                      <div className="muted table__sub">{contact.email ?? t('common.none')}</div>
                    </td>
                    <td className="nowrap">{contact.mobile ?? t('common.none')}</td>
                    <td className="nowrap">{contact.company ?? t('common.none')}</td>
                    {/* Groups (teal) and tags share a cell: the list must still fit a laptop screen. */}
                    <td className="table__tags">
                      {contact.groups.length > 0 ? (
                        <span data-testid="contact-groups">
                          {contact.groups.map((id) => (
                            <span key={id} className="tag tag--group">
                              {defs.groups.find((g) => g.id === id)?.name ?? id}
                            </span>
                          ))}
                        </span>
                      ) : null}
                      {contact.tags.map((tag) => (
                        <span key={tag} className="tag">
                          {tag}
                        </span>
                      ))}
                      {contact.groups.length === 0 && contact.tags.length === 0 ? t('common.none') : null}
                    </td>
                    <td className="table__number" data-testid="contact-score">
                      {contact.score}
                    </td>
                    <td>
                      <span className={`status status--${contact.status}`}>{t(`status.${contact.status}`)}</span>
                    </td>
                    <td className="nowrap muted">{formatDate(contact.updatedAt)}</td>
                    <td className="table__actions">
                      <button
                        type="button"
                        className="button button--small"
                        onClick={() => setViewing(contact)}
                        aria-label={t('activity.openOf', { name: displayName(contact) })}
                        data-testid="contact-activity"
                      >
                        {t('activity.open')}
                      </button>
                      {canWrite ? (
                        <>
                          <button
                            type="button"
                            className="button button--small"
                            onClick={() => setEditing(contact)}
                            aria-label={t('contacts.editOf', { name: displayName(contact) })}
                            data-testid="contact-edit"
                          >
                            {t('common.edit')}
                          </button>
                          <button
                            type="button"
                            className="button button--small button--danger-ghost"
                            onClick={() => {
                              setDeleteError(undefined);
                              setDeleting(contact);
                            }}
                            aria-label={t('contacts.deleteOf', { name: displayName(contact) })}
                            data-testid="contact-delete"
                          >
                            {t('common.delete')}
                          </button>
                        </>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {list.kind === 'ready' && (list.nextCursor || list.moreError) ? (
          <div className="card__footer">
            {list.moreError ? (
              <span className="field__error" role="alert">
                {list.moreError}
              </span>
            ) : null}
            {list.nextCursor ? (
              <button type="button" className="button" onClick={loadMore} disabled={list.loadingMore} data-testid="contacts-load-more">
                {list.loadingMore ? t('contacts.loadingMore') : t('contacts.loadMore')}
              </button>
            ) : null}
          </div>
        ) : null}
      </div>

      {editing ? (
        <ContactForm
          api={api}
          contact={editing === 'new' ? undefined : editing}
          defs={defs}
          onSaved={onSaved}
          onClose={() => setEditing(undefined)}
        />
      ) : null}

      {viewing ? <ContactActivityDialog api={api} contact={viewing} name={displayName(viewing)} defs={defs} onClose={() => setViewing(undefined)} /> : null}

      {deleting ? (
        <Modal
          title={t('contacts.deleteTitle')}
          size="small"
          testId="delete-dialog"
          onClose={() => setDeleting(undefined)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setDeleting(undefined)} autoFocus>
                {t('common.cancel')}
              </button>
              <button
                type="button"
                className="button button--danger"
                onClick={confirmDelete}
                disabled={deleteBusy}
                data-testid="delete-confirm"
              >
                {deleteBusy ? t('common.deleting') : t('common.delete')}
              </button>
            </>
          }
        >
          <p>{t('contacts.deleteConfirm', { name: displayName(deleting) })}</p>
          {deleteError ? (
            <p className="notice notice--error" role="alert">
              {deleteError}
            </p>
          ) : null}
        </Modal>
      ) : null}
    </section>
  );
}
