/**
 * Pieces the import and export pages share: field and rule labels in the user's language,
 * status badges, the count grid and a progress bar.
 */
import { useEffect, useState } from 'react';
import { en, type MessageKey } from '../i18n/en';
import { useI18n } from '../i18n/I18nProvider';
import { type FieldDefinition, type JobsApi, type NamedItem } from '../jobs-api';

export const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(en, key);

/** The workspace's custom fields, groups and categories; each list empty when it cannot be read. */
export interface Catalogue {
  readonly fields: readonly FieldDefinition[];
  readonly groups: readonly NamedItem[];
  readonly categories: readonly NamedItem[];
  readonly segments: readonly NamedItem[];
}

const emptyCatalogue: Catalogue = { fields: [], groups: [], categories: [], segments: [] };

export function useCatalogue(jobs: JobsApi, withSegments = false): Catalogue {
  const [catalogue, setCatalogue] = useState<Catalogue>(emptyCatalogue);
  useEffect(() => {
    let live = true;
    const items = <T,>(promise: Promise<{ items: readonly T[] }>) => promise.then((page) => page.items, () => [] as readonly T[]);
    void Promise.all([
      items(jobs.listFields()),
      items(jobs.listGroups()),
      items(jobs.listCategories()),
      withSegments ? items(jobs.listSegments()) : Promise.resolve([] as readonly NamedItem[]),
    ]).then(([fields, groups, categories, segments]) => {
      if (live) setCatalogue({ fields, groups, categories, segments });
    });
    return () => {
      live = false;
    };
  }, [jobs, withSegments]);
  return catalogue;
}

/** A field's name for people: the standard label, the custom field's own label, else its name. */
export function useFieldLabel(fields: readonly FieldDefinition[]) {
  const { t, language } = useI18n();
  return (field: string): string => {
    if (field.startsWith('custom.')) {
      const name = field.slice('custom.'.length);
      const definition = fields.find((item) => item.name === name);
      return definition?.label?.[language] ?? definition?.label?.en ?? definition?.label?.['zh-TW'] ?? name;
    }
    const key = `field.${field}`;
    return isMessageKey(key) ? t(key) : field;
  };
}

/** A cleaning rule (`email.domain-typo`) or reject code (`email.missing-at`) as a sentence. */
export function useRuleLabel() {
  const { t } = useI18n();
  return {
    rule: (rule: string) => {
      const key = `importRule.${rule}`;
      if (isMessageKey(key)) return t(key);
      // `<field>.unrecognised` and the like: the shared wording of the rule's last part.
      const generic = `importRule.*.${rule.split('.').pop() ?? ''}`;
      return isMessageKey(generic) ? t(generic) : rule;
    },
    reason: (code: string | undefined, message: string | undefined) => {
      const key = `importReason.${code ?? ''}`;
      return isMessageKey(key) ? t(key) : (message ?? code ?? '');
    },
  };
}

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  const { t } = useI18n();
  const key = `jobStatus.${status}`;
  return (
    <span className={`status status--job-${status}`} data-testid={testId} data-status={status}>
      {isMessageKey(key) ? t(key) : status}
    </span>
  );
}

export function ProgressBar({ value, max, label }: { value?: number; max?: number; label: string }) {
  const determinate = value !== undefined && max !== undefined && max > 0;
  const percent = determinate ? Math.min(100, Math.round((value / max) * 100)) : undefined;
  return (
    <div
      className={`progress${determinate ? '' : ' progress--indeterminate'}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      data-testid="progress-bar"
    >
      <div className="progress__bar" style={determinate ? { width: `${percent}%` } : undefined} />
    </div>
  );
}

/** Counts as a grid of labelled numbers; `tone` colours the ones that deserve attention. */
export function Counts({ items }: { items: readonly { key: string; label: string; value: number; tone?: 'good' | 'bad' | 'warn' }[] }) {
  const { locale } = useI18n();
  const number = new Intl.NumberFormat(locale);
  return (
    <dl className="counts">
      {items.map((item) => (
        <div key={item.key} className={`counts__item${item.tone ? ` counts__item--${item.tone}` : ''}`} data-testid={`count-${item.key}`}>
          <dt>{item.label}</dt>
          <dd data-value={item.value}>{number.format(item.value)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function formatBytes(bytes: number, locale: string): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value)} ${units[unit]}`;
}
