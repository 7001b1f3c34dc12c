import { useEffect, useId, useState } from 'react';
import { type ContactStatus } from '../api';
import { type ContactFilters } from '../catalog-api';
import { useI18n } from '../i18n/I18nProvider';
import { type Definitions } from '../use-definitions';
import '../catalog.css';

export type Filters = Omit<ContactFilters, 'q'>;

const statuses: readonly ContactStatus[] = ['active', 'unsubscribed', 'bounced', 'complained'];
const scoreDelayMs = 400;

const wholeNumber = (text: string | null): number | undefined => (text !== null && /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined);

/** Filters named in the address's query (`group`, `category`, `status`, `scoreMin`, `scoreMax`). */
export function filtersFromQuery(query: URLSearchParams): Filters {
  const status = query.get('status');
  const filters: Filters = {};
  if (query.get('group')) filters.group = query.get('group') as string;
  if (query.get('category')) filters.category = query.get('category') as string;
  if (status && (statuses as readonly string[]).includes(status)) filters.status = status as ContactStatus;
  const min = wholeNumber(query.get('scoreMin'));
  const max = wholeNumber(query.get('scoreMax'));
  if (min !== undefined) filters.scoreMin = min;
  if (max !== undefined) filters.scoreMax = max;
  return filters;
}

export function filtersToQuery(filters: Filters): string {
  const query = new URLSearchParams();
  for (const key of ['group', 'category', 'status', 'scoreMin', 'scoreMax'] as const) {
    if (filters[key] !== undefined) query.set(key, String(filters[key]));
  }
  return query.toString();
}

/** A stable key of the active filters ('' when none), for effects and "no match" wording. */
export const filterKey = filtersToQuery;

/**
 * The contact list's filters: group, newsletter category (subscribed), status and a score range.
 * They combine with the search box and with each other (AND), as GET /contacts does.
 */
export function ContactFilterBar({ defs, filters, onChange }: { defs: Definitions; filters: Filters; onChange: (filters: Filters) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [scoreMin, setScoreMin] = useState(filters.scoreMin?.toString() ?? '');
  const [scoreMax, setScoreMax] = useState(filters.scoreMax?.toString() ?? '');

  // Score bounds apply once typing pauses; only whole numbers count, anything else clears the bound.
  useEffect(() => {
    const timer = setTimeout(() => {
      const min = wholeNumber(scoreMin);
      const max = wholeNumber(scoreMax);
      if (min !== filters.scoreMin || max !== filters.scoreMax) {
        const next: Filters = { ...filters };
        delete next.scoreMin;
        delete next.scoreMax;
        onChange({ ...next, ...(min !== undefined ? { scoreMin: min } : {}), ...(max !== undefined ? { scoreMax: max } : {}) });
      }
    }, scoreDelayMs);
    return () => clearTimeout(timer);
  }, [scoreMin, scoreMax]);

  function set<K extends 'group' | 'category' | 'status'>(key: K, value: string) {
    const next: Filters = { ...filters };
    if (value === '') delete next[key];
    else (next as Record<string, string>)[key] = value;
    onChange(next);
  }

  const active = filterKey(filters) !== '';
  const invalidRange = wholeNumber(scoreMin) !== undefined && wholeNumber(scoreMax) !== undefined && Number(scoreMin) > Number(scoreMax);
  // A group or category named in the address but no longer defined still shows, by its id.
  const groupKnown = !filters.group || defs.groups.some((g) => g.id === filters.group);
  const categoryKnown = !filters.category || defs.categories.some((c) => c.id === filters.category);

  return (
    <div className="filters" role="group" aria-label={t('contactFilters.label')} data-testid="contact-filters">
      <label className="filters__item" htmlFor={`${id}-group`}>
        <span>{t('catalog.field.groups')}</span>
        <select id={`${id}-group`} value={filters.group ?? ''} onChange={(e) => set('group', e.target.value)} data-testid="filter-group">
          <option value="">{t('contactFilters.any')}</option>
          {groupKnown ? null : <option value={filters.group}>{filters.group}</option>}
          {defs.groups.map((group) => (
            <option key={group.id} value={group.id}>
              {group.name}
            </option>
          ))}
        </select>
      </label>
      <label className="filters__item" htmlFor={`${id}-category`}>
        <span>{t('contactFilters.category')}</span>
        <select id={`${id}-category`} value={filters.category ?? ''} onChange={(e) => set('category', e.target.value)} data-testid="filter-category">
          <option value="">{t('contactFilters.any')}</option>
          {categoryKnown ? null : <option value={filters.category}>{filters.category}</option>}
          {defs.categories.map((category) => (
            <option key={category.id} value={category.id}>
              {category.name}
            </option>
          ))}
        </select>
      </label>
      <label className="filters__item" htmlFor={`${id}-status`}>
        <span>{t('field.status')}</span>
        <select id={`${id}-status`} value={filters.status ?? ''} onChange={(e) => set('status', e.target.value)} data-testid="filter-status">
          <option value="">{t('contactFilters.any')}</option>
          {statuses.map((status) => (
            <option key={status} value={status}>
              {t(`status.${status}`)}
            </option>
          ))}
        </select>
      </label>
      <div className={`filters__item filters__score${invalidRange ? ' field--invalid' : ''}`} role="group" aria-labelledby={`${id}-score`}>
        <span id={`${id}-score`}>{t('catalog.field.score')}</span>
        <span className="filters__range">
          <input type="number" min={0} step={1} aria-label={t('contactFilters.scoreMin')} placeholder={t('contactFilters.min')} value={scoreMin} onChange={(e) => setScoreMin(e.target.value)} data-testid="filter-score-min" />
          <span aria-hidden="true">–</span>
          <input type="number" min={0} step={1} aria-label={t('contactFilters.scoreMax')} placeholder={t('contactFilters.max')} value={scoreMax} onChange={(e) => setScoreMax(e.target.value)} data-testid="filter-score-max" />
        </span>
      </div>
      {active || scoreMin || scoreMax ? (
        <button
          type="button"
          className="button button--small filters__clear"
          onClick={() => {
            setScoreMin('');
            setScoreMax('');
            onChange({});
          }}
          data-testid="filter-clear"
        >
          {t('contactFilters.clear')}
        </button>
      ) : null}
    </div>
  );
}
