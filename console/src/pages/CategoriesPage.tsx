import { useEffect, useMemo, useState } from 'react';
import { type ApiClient, type Role } from '../api';
import { catalogApi, type Category } from '../catalog-api';
import { ConfirmDelete, Notice, PageState, type NoticeState } from '../components/catalog-ui';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import { NamedForm } from './GroupsPage';
import '../catalog.css';

type Loaded = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; items: Category[] };

const byName = (a: Category, b: Category) => a.name.localeCompare(b.name);

/** 電子報分類: newsletter categories contacts subscribe to one by one. Admins change them. */
export function CategoriesPage({ api, role }: { api: ApiClient; role: Role }) {
  const { t } = useI18n();
  const catalog = useMemo(() => catalogApi(api), [api]);
  const dates = useDateFormat();
  const isAdmin = role === 'admin';
  const [list, setList] = useState<Loaded>({ kind: 'loading' });
  const [reloadCount, setReloadCount] = useState(0);
  const [editing, setEditing] = useState<Category | 'new' | undefined>();
  const [deleting, setDeleting] = useState<Category | undefined>();
  const [notice, setNotice] = useState<NoticeState>();

  useEffect(() => {
    let current = true;
    setList({ kind: 'loading' });
    catalog.listCategories().then(
      (page) => current && setList({ kind: 'ready', items: [...page.items].sort(byName) }),
      (error: unknown) => current && setList({ kind: 'error', message: errorText(t, error) }),
    );
    return () => {
      current = false;
    };
  }, [catalog, reloadCount]);

  return (
    <section className="page" aria-labelledby="categories-title">
      <header className="page__header">
        <div>
          <h1 id="categories-title" data-testid="page-title">
            {t('categories.title')}
          </h1>
          <p className="muted">{t('categories.subtitle')}</p>
        </div>
        {isAdmin ? (
          <button type="button" className="button button--primary" onClick={() => setEditing('new')} data-testid="category-add">
            + {t('categories.add')}
          </button>
        ) : null}
      </header>
      {!isAdmin ? (
        <p className="notice notice--info" data-testid="read-only">
          {t('categories.readOnly')}
        </p>
      ) : null}
      <Notice notice={notice} onClose={() => setNotice(undefined)} />

      <div className="card">
        <PageState state={list} onRetry={() => setReloadCount((c) => c + 1)} loadFailed={t('categories.loadFailed')} empty={t('categories.empty')} emptyHint={isAdmin ? t('categories.emptyHint') : undefined}>
          {(items: Category[]) => (
            <div className="table-wrap">
              <table className="table" data-testid="categories-table">
                <thead>
                  <tr>
                    <th scope="col">{t('categories.name')}</th>
                    <th scope="col">{t('catalog.description')}</th>
                    <th scope="col">{t('categories.updatedAt')}</th>
                    {isAdmin ? (
                      <th scope="col" className="table__actions">
                        <span className="visually-hidden">{t('common.actions')}</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {items.map((category) => (
                    <tr key={category.id} data-testid="category-row" data-category-id={category.id}>
                      <td className="table__strong">
                        <a href={`#/contacts?category=${encodeURIComponent(category.id)}`} title={t('categories.showSubscribers')}>
                          {category.name}
                        </a>
                      </td>
                      <td>{category.description ?? <span className="muted">{t('common.none')}</span>}</td>
                      <td className="nowrap muted">{dates.dateTime(category.updatedAt)}</td>
                      {isAdmin ? (
                        <td className="table__actions">
                          <button type="button" className="button button--small" onClick={() => setEditing(category)} aria-label={t('catalog.editOf', { name: category.name })} data-testid="category-edit">
                            {t('common.edit')}
                          </button>
                          <button
                            type="button"
                            className="button button--small button--danger-ghost"
                            onClick={() => setDeleting(category)}
                            aria-label={t('catalog.deleteOf', { name: category.name })}
                            data-testid="category-delete"
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
          kind="category"
          item={editing === 'new' ? undefined : editing}
          save={(input, id) => (id ? catalog.updateCategory(id, input) : catalog.createCategory(input))}
          onSaved={(saved, created) => {
            const category = saved as Category;
            setEditing(undefined);
            setList((state) => (state.kind === 'ready' ? { kind: 'ready', items: [...state.items.filter((c) => c.id !== category.id), category].sort(byName) } : state));
            setNotice({ key: created ? 'categories.created' : 'categories.updated', name: category.name });
          }}
          onClose={() => setEditing(undefined)}
        />
      ) : null}
      {deleting ? (
        <ConfirmDelete
          title={t('categories.deleteTitle')}
          text={t('categories.deleteConfirm', { name: deleting.name })}
          onClose={() => setDeleting(undefined)}
          run={() => catalog.deleteCategory(deleting.id)}
          onDone={() => {
            const gone = deleting;
            setDeleting(undefined);
            setNotice({ key: 'categories.deleted', name: gone.name });
            setList((state) => (state.kind === 'ready' ? { kind: 'ready', items: state.items.filter((c) => c.id !== gone.id) } : state));
          }}
        />
      ) : null}
    </section>
  );
}
