/**
 * A campaign's audience (發送名單): any of OMICard's eight sources (typed list, uploaded file,
 * URL, groups, newsletter categories, a previous campaign's recipients, a segment, a typed query)
 * minus the exclusions (排除名單). The API freezes it at launch: corrects, dedupes, suppresses.
 */
import { useMemo, useState } from 'react';
import { audienceKinds, linesOf, newSource, previousRecipients, type Audience, type AudienceKind, type AudienceSource, type Campaign, type PreviousRecipients } from '../campaigns-api';
import { labelOf, type RuleTree } from '../catalog-api';
import { messageFor } from '../form-errors';
import { useI18n } from '../i18n/I18nProvider';
import { errorsByNode, ruleFields } from '../rules';
import { type Definitions } from '../use-definitions';
import { RuleBuilder } from './RuleBuilder';

/** What the API gets: typed lines trimmed and empty ones dropped (the editor keeps them raw while typing). */
export function cleanAudience(audience: Audience): Audience {
  const clean = (source: AudienceSource): AudienceSource => {
    if (source.kind === 'list') return { kind: 'list', lines: linesOf(source.lines.join('\n')) };
    if (source.kind === 'url') return { kind: 'url', url: source.url.trim() };
    if (source.kind === 'campaign' && !source.runId) return { kind: 'campaign', campaignId: source.campaignId, who: source.who };
    return source;
  };
  return { sources: audience.sources.map(clean), exclusions: audience.exclusions.map(clean) };
}

export function AudienceEditor({
  audience,
  onChange,
  readOnly,
  defs,
  segments,
  campaigns,
  self,
  errors,
  uploadList,
}: {
  audience: Audience;
  onChange: (change: (audience: Audience) => Audience) => void;
  readOnly: boolean;
  defs: Definitions;
  segments: readonly { id: string; name: string }[];
  /** Earlier campaigns whose recipients may be reused. */
  campaigns: readonly Pick<Campaign, 'id' | 'name'>[];
  self?: string;
  errors: Readonly<Record<string, string>>;
  /** Uploads a list file for an `upload` source (absent: such sources are shown, not added). */
  uploadList?: (file: File) => Promise<{ key: string; fileName: string }>;
}) {
  const { t } = useI18n();
  return (
    <>
      <SourceList
        part="sources"
        title={t('audience.sources')}
        hint={t('audience.sourcesHint')}
        items={audience.sources}
        onChange={(items) => onChange((a) => ({ ...a, sources: items(a.sources) }))}
        readOnly={readOnly}
        defs={defs}
        segments={segments}
        campaigns={campaigns.filter((c) => c.id !== self)}
        errors={errors}
        {...(uploadList ? { uploadList } : {})}
      />
      <SourceList
        part="exclusions"
        title={t('audience.exclusions')}
        hint={t('audience.exclusionsHint')}
        items={audience.exclusions}
        onChange={(items) => onChange((a) => ({ ...a, exclusions: items(a.exclusions) }))}
        readOnly={readOnly}
        defs={defs}
        segments={segments}
        campaigns={campaigns.filter((c) => c.id !== self)}
        errors={errors}
        {...(uploadList ? { uploadList } : {})}
      />
    </>
  );
}

function SourceList({
  part,
  title,
  hint,
  items,
  onChange,
  readOnly,
  defs,
  segments,
  campaigns,
  errors,
  uploadList,
}: {
  part: 'sources' | 'exclusions';
  title: string;
  hint: string;
  items: readonly AudienceSource[];
  onChange: (change: (items: AudienceSource[]) => AudienceSource[]) => void;
  readOnly: boolean;
  defs: Definitions;
  segments: readonly { id: string; name: string }[];
  campaigns: readonly Pick<Campaign, 'id' | 'name'>[];
  errors: Readonly<Record<string, string>>;
  uploadList?: (file: File) => Promise<{ key: string; fileName: string }>;
}) {
  const { t } = useI18n();
  const listError = errors[`audience.${part}`];
  const [upload, setUpload] = useState<{ kind: 'idle' } | { kind: 'uploading'; name: string } | { kind: 'error'; message: string }>({ kind: 'idle' });
  const addFile = async (file: File) => {
    if (!uploadList) return;
    setUpload({ kind: 'uploading', name: file.name });
    try {
      const { key, fileName } = await uploadList(file);
      onChange((list) => [...list, { kind: 'upload', key, fileName }]);
      setUpload({ kind: 'idle' });
    } catch (failure) {
      setUpload({ kind: 'error', message: t('audience.uploadFailed', { reason: failure instanceof Error ? failure.message : String(failure) }) });
    }
  };
  return (
    <section className="card card--padded audience-part" aria-label={title} data-testid={`audience-${part}`}>
      <h2>{title}</h2>
      <p className="muted form-hint">{hint}</p>
      {listError ? <p className="field__error">{listError}</p> : null}
      {items.length === 0 ? <p className="muted audience-part__empty">{part === 'sources' ? t('audience.noSources') : t('audience.noExclusions')}</p> : null}
      <ol className="audience-sources">
        {items.map((source, index) => (
          <li key={index} className="audience-source" data-testid="audience-source" data-kind={source.kind}>
            <header className="audience-source__header">
              <span className="audience-source__kind">{t(`audienceKind.${source.kind}`)}</span>
              {!readOnly ? (
                <button
                  type="button"
                  className="button button--small button--danger-ghost"
                  onClick={() => onChange((list) => list.filter((_, i) => i !== index))}
                  aria-label={t('audience.removeOf', { kind: t(`audienceKind.${source.kind}`) })}
                  data-testid="audience-source-remove"
                >
                  {t('audience.remove')}
                </button>
              ) : null}
            </header>
            <SourceEditor
              source={source}
              onChange={(next) => onChange((list) => list.map((s, i) => (i === index ? next : s)))}
              readOnly={readOnly}
              defs={defs}
              segments={segments}
              campaigns={campaigns}
              errors={errors}
              path={`audience.${part}.${index}`}
            />
          </li>
        ))}
      </ol>
      {!readOnly && uploadList ? (
        <label className="field audience-upload">
          <span className="field__label">{t('audience.uploadFile')}</span>
          <input
            type="file"
            accept=".csv,.tsv,.txt,.xlsx"
            disabled={upload.kind === 'uploading'}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void addFile(file);
            }}
            data-testid={`audience-upload-${part}`}
          />
          {upload.kind === 'uploading' ? <span className="muted" role="status">{t('audience.uploading', { name: upload.name })}</span> : null}
          {upload.kind === 'error' ? (
            <span className="field__error" role="alert" data-testid="audience-upload-error">
              {upload.message}
            </span>
          ) : null}
        </label>
      ) : null}
      {!readOnly ? (
        <label className="audience-add">
          <span className="visually-hidden">{part === 'sources' ? t('audience.addSource') : t('audience.addExclusion')}</span>
          <select
            className="select"
            value=""
            onChange={(e) => {
              const kind = e.target.value as AudienceKind;
              if (kind) onChange((list) => [...list, newSource(kind)]);
            }}
            data-testid={part === 'sources' ? 'audience-add-source' : 'audience-add-exclusion'}
          >
            <option value="">＋ {part === 'sources' ? t('audience.addSource') : t('audience.addExclusion')}</option>
            {audienceKinds
              .filter((kind) => kind !== 'upload')
              .map((kind) => (
                <option key={kind} value={kind}>
                  {t(`audienceKind.${kind}`)}
                </option>
              ))}
          </select>
        </label>
      ) : null}
    </section>
  );
}

function SourceEditor({
  source,
  onChange,
  readOnly,
  defs,
  segments,
  campaigns,
  errors,
  path,
}: {
  source: AudienceSource;
  onChange: (source: AudienceSource) => void;
  readOnly: boolean;
  defs: Definitions;
  segments: readonly { id: string; name: string }[];
  campaigns: readonly Pick<Campaign, 'id' | 'name'>[];
  errors: Readonly<Record<string, string>>;
  path: string;
}) {
  const { t, language } = useI18n();
  const error = messageFor(
    Object.fromEntries(Object.entries(errors).filter(([field]) => !(source.kind === 'query' && field.startsWith(`${path}.rules`)))),
    path,
  );
  const fields = useMemo(
    () => ruleFields(defs, (key) => t(key as Parameters<typeof t>[0]), (field) => labelOf(field.label, language, field.name)),
    [defs, t, language],
  );
  const ruleErrors = useMemo(
    () =>
      source.kind === 'query'
        ? errorsByNode(
            Object.entries(errors)
              .filter(([field]) => field.startsWith(`${path}.rules`))
              .map(([field, message]) => ({ field: field.slice(path.length + 1), message })),
          )
        : new Map<string, string[]>(),
    [errors, path, source.kind],
  );
  const toggle = (list: readonly string[], value: string) => (list.includes(value) ? list.filter((item) => item !== value) : [...list, value]);
  const inputId = `${path.replace(/\./g, '-')}-input`;

  let body;
  switch (source.kind) {
    case 'list': {
      const count = linesOf(source.lines.join('\n')).length;
      body = (
        <div className="field">
          <label htmlFor={inputId}>{t('audience.listLabel')}</label>
          <textarea
            id={inputId}
            rows={6}
            value={source.lines.join('\n')}
            onChange={(e) => onChange({ kind: 'list', lines: e.target.value.split('\n') })}
            disabled={readOnly}
            placeholder={'wang@example.com,王小明\nchen@example.com'}
            spellCheck={false}
            data-testid="audience-list"
          />
          <p className="field__hint">
            {t('audience.listHint')} <strong data-testid="audience-list-count">{t('audience.lineCount', { count })}</strong>
          </p>
        </div>
      );
      break;
    }
    case 'groups':
      body =
        defs.groups.length === 0 ? (
          <p className="muted">{t('audience.noGroups')}</p>
        ) : (
          <div className="choices" data-testid="audience-groups">
            {defs.groups.map((group) => (
              <label key={group.id} className="choice">
                <input type="checkbox" checked={source.groupIds.includes(group.id)} disabled={readOnly} onChange={() => onChange({ ...source, groupIds: toggle(source.groupIds, group.id) })} />
                {group.name}
              </label>
            ))}
          </div>
        );
      break;
    case 'categories':
      body =
        defs.categories.length === 0 ? (
          <p className="muted">{t('audience.noCategories')}</p>
        ) : (
          <div className="choices" data-testid="audience-categories">
            {defs.categories.map((category) => (
              <label key={category.id} className="choice">
                <input
                  type="checkbox"
                  checked={source.categoryIds.includes(category.id)}
                  disabled={readOnly}
                  onChange={() => onChange({ ...source, categoryIds: toggle(source.categoryIds, category.id) })}
                />
                {category.name}
              </label>
            ))}
          </div>
        );
      break;
    case 'segment':
      body = (
        <div className="field">
          <label htmlFor={inputId}>{t('audienceKind.segment')}</label>
          <select id={inputId} value={source.segmentId} onChange={(e) => onChange({ kind: 'segment', segmentId: e.target.value })} disabled={readOnly} data-testid="audience-segment">
            <option value="">{t('audience.chooseSegment')}</option>
            {segments.map((segment) => (
              <option key={segment.id} value={segment.id}>
                {segment.name}
              </option>
            ))}
            {source.segmentId && !segments.some((s) => s.id === source.segmentId) ? <option value={source.segmentId}>{source.segmentId}</option> : null}
          </select>
        </div>
      );
      break;
    case 'query':
      body = (
        <div data-testid="audience-query">
          <p className="field__hint">{t('audience.queryHint')}</p>
          <RuleBuilder tree={source.rules} fields={fields} onChange={(rules: RuleTree) => onChange({ kind: 'query', rules })} errors={ruleErrors} readOnly={readOnly} />
        </div>
      );
      break;
    case 'url':
      body = (
        <div className="field">
          <label htmlFor={inputId}>{t('audience.urlLabel')}</label>
          <input id={inputId} type="url" value={source.url} onChange={(e) => onChange({ kind: 'url', url: e.target.value })} disabled={readOnly} placeholder="https://example.com/list.csv" data-testid="audience-url" />
          <p className="field__hint">{t('audience.urlHint')}</p>
        </div>
      );
      break;
    case 'campaign':
      body = (
        <div className="form-grid">
          <div className="field">
            <label htmlFor={inputId}>{t('audience.previousCampaign')}</label>
            <select id={inputId} value={source.campaignId} onChange={(e) => onChange({ kind: 'campaign', campaignId: e.target.value, who: source.who })} disabled={readOnly} data-testid="audience-campaign">
              <option value="">{t('audience.chooseCampaign')}</option>
              {campaigns.map((campaign) => (
                <option key={campaign.id} value={campaign.id}>
                  {campaign.name}
                </option>
              ))}
              {source.campaignId && !campaigns.some((c) => c.id === source.campaignId) ? <option value={source.campaignId}>{source.campaignId}</option> : null}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${inputId}-who`}>{t('audience.who')}</label>
            <select id={`${inputId}-who`} value={source.who} onChange={(e) => onChange({ ...source, who: e.target.value as PreviousRecipients })} disabled={readOnly} data-testid="audience-who">
              {previousRecipients.map((who) => (
                <option key={who} value={who}>
                  {t(`who.${who}`)}
                </option>
              ))}
            </select>
          </div>
        </div>
      );
      break;
    case 'upload':
      body = (
        <p>
          <span className="mono">{source.fileName || source.key}</span> <span className="muted">{t('audience.uploadNote')}</span>
        </p>
      );
      break;
  }
  return (
    <div className={`audience-source__body${error ? ' field--invalid' : ''}`}>
      {body}
      {error ? (
        <p className="field__error" data-testid="audience-source-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
