/**
 * One campaign (任務): its content and audience (edited here while the status allows), preview,
 * test send, approval, launch, runs, engagement (成效 and 留言) and history, as tabs. The tab is kept in the address
 * (`#/campaigns/<id>?tab=preview`) so a reload stays on it. Unsaved content and audience edits
 * survive switching tabs; preview and test sends use what is saved, and say so.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, type ApiClient, type SignedInUser } from '../api';
import { activeRunStatuses, editableStatuses, type ApprovalSettings, type Audience, type Campaign, type CampaignsApi, type LaunchResult } from '../campaigns-api';
import { catalogApi, type Segment } from '../catalog-api';
import { ApprovalPanel } from '../components/CampaignApproval';
import { AudienceEditor, cleanAudience } from '../components/CampaignAudience';
import { CommentsPanel, EngagementPanel } from '../components/CampaignEngagement';
import { CampaignReports } from '../components/CampaignReports';
import { CampaignContentForm, formOf, inputOf, type ContentFormState } from '../components/CampaignContentForm';
import { CampaignPreview } from '../components/CampaignPreview';
import { HistoryPanel, RunsPanel, useLiveRuns } from '../components/CampaignRuns';
import { LaunchPanel, TestSendPanel } from '../components/CampaignSending';
import { CampaignStatusBadge, CampaignTypeBadge, usePeople } from '../components/campaign-ui';
import { ConfirmDelete } from '../components/catalog-ui';
import { engagementApi } from '../engagement-api';
import { problemOf, type FormProblem } from '../form-errors';
import { errorText } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import { hrefOf } from '../routing';
import { putFile } from '../upload';
import { useDefinitions } from '../use-definitions';
import '../catalog.css';
import '../campaigns.css';

export const tabs = ['content', 'audience', 'preview', 'test', 'approval', 'launch', 'runs', 'engagement', 'reports', 'history'] as const;
export type TabId = (typeof tabs)[number];

export const campaignHref = (id: string, tab?: string) => `${hrefOf('campaigns')}/${encodeURIComponent(id)}${tab ? `?tab=${tab}` : ''}`;

/** JSON with object keys sorted, so two equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** A new campaign starts with a greeting, a body line and the unsubscribe link the pre-send check asks for. */
function starterForm(t: ReturnType<typeof useI18n>['t']): ContentFormState {
  return {
    name: '',
    type: 'formal',
    subject: '',
    preheader: '',
    fromName: '',
    fromEmail: '',
    replyTo: '',
    toName: '',
    charset: 'UTF-8',
    html: t('content.starterHtml'),
    text: '',
  };
}

function BackLink() {
  const { t } = useI18n();
  return (
    <a className="back-link" href={hrefOf('campaigns')} data-testid="campaigns-back">
      ← {t('campaigns.backToList')}
    </a>
  );
}

export function CampaignCreate({ api, campaigns, user }: { api: ApiClient; campaigns: CampaignsApi; user: SignedInUser }) {
  const { t } = useI18n();
  const catalog = useMemo(() => catalogApi(api), [api]);
  const { defs } = useDefinitions(catalog);
  const [form, setForm] = useState<ContentFormState>(() => starterForm(t));
  const [problem, setProblem] = useState<FormProblem>({ fields: {} });
  const [busy, setBusy] = useState(false);

  async function create() {
    setBusy(true);
    setProblem({ fields: {} });
    try {
      const created = await campaigns.createCampaign(inputOf(form));
      window.location.hash = campaignHref(created.id, 'audience');
    } catch (error) {
      setProblem(problemOf(t, error));
      setBusy(false);
    }
  }

  return (
    <section className="page" aria-labelledby="campaign-title" data-testid="campaign-create">
      <header className="page__header">
        <div>
          <BackLink />
          <h1 id="campaign-title" data-testid="page-title">
            {t('campaigns.createTitle')}
          </h1>
          <p className="muted">{t('campaigns.createHint')}</p>
        </div>
      </header>
      {user.role === 'viewer' ? (
        <p className="notice notice--info">{t('campaigns.readOnly')}</p>
      ) : (
        <CampaignContentForm
          form={form}
          onChange={setForm}
          readOnly={false}
          fields={defs.fields}
          problem={problem}
          busy={busy}
          submitLabel={t('campaigns.createSubmit')}
          onSubmit={() => void create()}
          footer={
            <a className="button" href={hrefOf('campaigns')}>
              {t('common.cancel')}
            </a>
          }
        />
      )}
    </section>
  );
}

type Loaded = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; campaign: Campaign };

export function CampaignDetail({ id, initialTab, api, campaigns, user }: { id: string; initialTab?: string; api: ApiClient; campaigns: CampaignsApi; user: SignedInUser }) {
  const { t } = useI18n();
  const [state, setState] = useState<Loaded>({ kind: 'loading' });
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let live = true;
    campaigns.getCampaign(id).then(
      (campaign) => live && setState({ kind: 'ready', campaign }),
      (error: unknown) => live && setState((current) => (current.kind === 'ready' ? current : { kind: 'error', message: errorText(t, error) })),
    );
    return () => {
      live = false;
    };
    // Not keyed on t: a language switch must not re-fetch.
  }, [campaigns, id, reload]);

  if (state.kind === 'loading') {
    return (
      <section className="page">
        <BackLink />
        <div className="state" role="status">
          <span className="spinner" aria-hidden="true" />
          {t('common.loading')}
        </div>
      </section>
    );
  }
  if (state.kind === 'error') {
    return (
      <section className="page">
        <BackLink />
        <div className="state state--error" role="alert" data-testid="campaign-load-error">
          <p>
            <strong>{t('campaigns.loadOneFailed')}</strong> {state.message}
          </p>
          <button type="button" className="button" onClick={() => setReload((n) => n + 1)}>
            {t('common.retry')}
          </button>
        </div>
      </section>
    );
  }
  return (
    <CampaignView
      campaign={state.campaign}
      setCampaign={(campaign) => setState({ kind: 'ready', campaign })}
      reloadCampaign={() => setReload((n) => n + 1)}
      initialTab={initialTab}
      api={api}
      campaigns={campaigns}
      user={user}
    />
  );
}

function CampaignView({
  campaign,
  setCampaign,
  reloadCampaign,
  initialTab,
  api,
  campaigns,
  user,
}: {
  campaign: Campaign;
  setCampaign: (campaign: Campaign) => void;
  reloadCampaign: () => void;
  initialTab?: string;
  api: ApiClient;
  campaigns: CampaignsApi;
  user: SignedInUser;
}) {
  const { t } = useI18n();
  const catalog = useMemo(() => catalogApi(api), [api]);
  const { defs } = useDefinitions(catalog);
  const people = usePeople(api, user.role);
  const canWrite = user.role !== 'viewer';
  const editable = canWrite && editableStatuses.includes(campaign.status);
  const [tab, setTabState] = useState<TabId>(() => ((tabs as readonly string[]).includes(initialTab ?? '') ? (initialTab as TabId) : 'content'));
  const [segments, setSegments] = useState<readonly Segment[]>([]);
  const [others, setOthers] = useState<readonly Campaign[]>([]);
  const [settings, setSettings] = useState<ApprovalSettings | undefined>();
  const [contentForm, setContentForm] = useState<ContentFormState>(() => formOf(campaign));
  const [contentProblem, setContentProblem] = useState<FormProblem>({ fields: {} });
  const [audience, setAudience] = useState<Audience>(() => campaign.audience);
  const [audienceProblem, setAudienceProblem] = useState<FormProblem>({ fields: {} });
  const [saving, setSaving] = useState<'content' | 'audience' | undefined>();
  const [saved, setSaved] = useState<'content' | 'audience' | undefined>();
  const [deleting, setDeleting] = useState(false);
  const [actionError, setActionError] = useState<string | undefined>();
  const [cloning, setCloning] = useState(false);

  const { runs, refresh: refreshRuns } = useLiveRuns(campaigns, campaign.id, campaign.status === 'sending' || campaign.status === 'scheduled', reloadCampaign);
  const engagement = useMemo(() => engagementApi(api), [api]);
  // The engagement counters move while a run plans or sends (and a little after: one last read when it stops).
  const sendingNow = campaign.status === 'sending' || (runs.kind === 'ready' && runs.items.some((run) => activeRunStatuses.includes(run.status)));

  // A newer campaign from the API (a reload, someone else's change) replaces a form that was not
  // edited; a form with the user's edits in it is left alone.
  const shown = useRef(campaign);
  useEffect(() => {
    const before = shown.current;
    shown.current = campaign;
    if (before === campaign) return;
    setContentForm((form) => (canonical(form) === canonical(formOf(before)) ? formOf(campaign) : form));
    setAudience((current) => (canonical(cleanAudience(current)) === canonical(cleanAudience(before.audience)) ? campaign.audience : current));
  }, [campaign]);

  useEffect(() => {
    let live = true;
    catalog.listSegments().then(
      (page) => live && setSegments([...page.items].sort((a, b) => a.name.localeCompare(b.name))),
      () => undefined,
    );
    campaigns.listCampaigns({ limit: 100 }).then(
      (page) => live && setOthers(page.items),
      () => undefined,
    );
    campaigns.getApprovalSettings().then(
      (next) => live && setSettings(next),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [catalog, campaigns]);

  const setTab = useCallback(
    (next: TabId) => {
      setTabState(next);
      // Replace, not push: tabs are not pages, and the back button should leave the campaign.
      window.history.replaceState(null, '', campaignHref(campaign.id, next));
    },
    [campaign.id],
  );

  const contentDirty = editable && canonical(contentForm) !== canonical(formOf(campaign));
  const audienceDirty = editable && canonical(cleanAudience(audience)) !== canonical(cleanAudience(campaign.audience));
  const unsaved = contentDirty || audienceDirty;

  async function saveContent() {
    setSaving('content');
    setSaved(undefined);
    setContentProblem({ fields: {} });
    try {
      const updated = await campaigns.updateCampaign(campaign.id, inputOf(contentForm, campaign), campaign.version);
      setCampaign(updated);
      setContentForm(formOf(updated));
      setSaved('content');
    } catch (error) {
      setContentProblem(problemOf(t, error));
      // Changed meanwhile (412): read it again, so saving once more applies these edits to it.
      if (error instanceof ApiError && error.status === 412) reloadCampaign();
    } finally {
      setSaving(undefined);
    }
  }

  async function saveAudience() {
    setSaving('audience');
    setSaved(undefined);
    setAudienceProblem({ fields: {} });
    try {
      const updated = await campaigns.updateCampaign(campaign.id, { audience: cleanAudience(audience) }, campaign.version);
      setCampaign(updated);
      setAudience(updated.audience);
      setSaved('audience');
    } catch (error) {
      setAudienceProblem(problemOf(t, error));
      // Changed meanwhile (412): read it again, so saving once more applies these edits to it.
      if (error instanceof ApiError && error.status === 412) reloadCampaign();
    } finally {
      setSaving(undefined);
    }
  }

  async function clone() {
    setCloning(true);
    setActionError(undefined);
    try {
      const copy = await campaigns.cloneCampaign(campaign.id);
      window.location.hash = campaignHref(copy.id);
    } catch (error) {
      setActionError(errorText(t, error));
      setCloning(false);
    }
  }

  const onLaunch = (result: LaunchResult) => {
    setCampaign(result.campaign);
    refreshRuns();
  };

  const backToDraft = editable && campaign.status !== 'draft';

  return (
    <section className="page campaign" aria-labelledby="campaign-title" data-testid="campaign-detail" data-campaign-id={campaign.id}>
      <header className="page__header">
        <div className="campaign__heading">
          <BackLink />
          <h1 id="campaign-title" data-testid="page-title">
            {campaign.name}
          </h1>
          <p className="campaign__facts">
            <CampaignStatusBadge status={campaign.status} testId="campaign-status" />
            <CampaignTypeBadge type={campaign.type} />
            <span className="muted campaign__subject" data-testid="campaign-subject-line">
              {campaign.content.subject}
            </span>
          </p>
        </div>
        {canWrite ? (
          <div className="page__actions">
            <button type="button" className="button" onClick={() => void clone()} disabled={cloning} data-testid="campaign-clone">
              {cloning ? t('campaigns.cloning') : t('campaigns.clone')}
            </button>
            {campaign.status === 'draft' ? (
              <button type="button" className="button button--danger-ghost" onClick={() => setDeleting(true)} data-testid="campaign-delete">
                {t('common.delete')}
              </button>
            ) : null}
          </div>
        ) : null}
      </header>
      {actionError ? (
        <p className="notice notice--error" role="alert">
          {actionError}
        </p>
      ) : null}

      <div className="tabs" role="tablist" aria-label={t('campaigns.sections')}>
        {tabs.map((id) => {
          const dirty = (id === 'content' && contentDirty) || (id === 'audience' && audienceDirty);
          return (
            <button
              key={id}
              type="button"
              role="tab"
              id={`campaign-tab-${id}`}
              aria-selected={tab === id}
              aria-controls={`campaign-panel-${id}`}
              className={`tabs__tab${tab === id ? ' tabs__tab--active' : ''}`}
              onClick={() => setTab(id)}
              data-testid={`tab-${id}`}
            >
              {t(`campaignTab.${id}`)}
              {dirty ? (
                <span className="tabs__dirty" title={t('campaigns.unsaved')} aria-label={t('campaigns.unsaved')}>
                  •
                </span>
              ) : null}
            </button>
          );
        })}
      </div>

      {/* Content and audience stay mounted while hidden, so their unsaved edits survive a tab switch. */}
      <div role="tabpanel" id="campaign-panel-content" aria-labelledby="campaign-tab-content" hidden={tab !== 'content'} data-testid="panel-content">
        {!editable ? <ReadOnlyNote campaign={campaign} canWrite={canWrite} /> : null}
        {backToDraft ? <p className="notice notice--warning">{t('campaigns.backToDraftWarning')}</p> : null}
        {saved === 'content' ? (
          <p className="notice notice--success" role="status" data-testid="content-saved">
            {t('campaigns.saved')}
          </p>
        ) : null}
        <CampaignContentForm
          form={contentForm}
          onChange={setContentForm}
          readOnly={!editable}
          fields={defs.fields}
          problem={contentProblem}
          busy={saving === 'content'}
          submitLabel={t('common.save')}
          onSubmit={() => void saveContent()}
          upload={{
            campaigns,
            campaign,
            onImported: (updated) => {
              setCampaign(updated);
              // The HTML (and text) came from the file; other unsaved edits in the form stay.
              setContentForm((form) => ({ ...form, html: updated.content.html, text: updated.content.text ?? '' }));
            },
          }}
        />
      </div>

      <div role="tabpanel" id="campaign-panel-audience" aria-labelledby="campaign-tab-audience" hidden={tab !== 'audience'} data-testid="panel-audience">
        {!editable ? <ReadOnlyNote campaign={campaign} canWrite={canWrite} /> : null}
        {backToDraft ? <p className="notice notice--warning">{t('campaigns.backToDraftWarning')}</p> : null}
        {campaign.type === 'test' ? <p className="notice notice--info">{t('audience.testTypeHint')}</p> : null}
        {audienceProblem.message ? (
          <p className="notice notice--error" role="alert" data-testid="audience-form-error">
            {audienceProblem.message}
          </p>
        ) : null}
        {saved === 'audience' ? (
          <p className="notice notice--success" role="status" data-testid="audience-saved">
            {t('campaigns.saved')}
          </p>
        ) : null}
        <AudienceEditor
          audience={audience}
          onChange={setAudience}
          readOnly={!editable}
          defs={defs}
          segments={segments}
          campaigns={others}
          self={campaign.id}
          errors={audienceProblem.fields}
          uploadList={async (file) => {
            const target = await campaigns.audienceUpload(campaign.id, { fileName: file.name, contentType: file.type || 'text/csv', size: file.size });
            await putFile(target.uploadUrl, file, target.headers ?? {}, () => undefined);
            return { key: target.key, fileName: target.fileName };
          }}
        />
        {editable ? (
          <div className="form-actions">
            <button type="button" className="button button--primary" disabled={saving === 'audience'} onClick={() => void saveAudience()} data-testid="audience-save">
              {saving === 'audience' ? t('common.saving') : t('common.save')}
            </button>
          </div>
        ) : null}
      </div>

      {tab === 'preview' ? (
        <div role="tabpanel" id="campaign-panel-preview" aria-labelledby="campaign-tab-preview" data-testid="panel-preview">
          <CampaignPreview api={api} campaigns={campaigns} campaignId={campaign.id} unsaved={contentDirty} />
        </div>
      ) : null}
      {tab === 'test' ? (
        <div role="tabpanel" id="campaign-panel-test" aria-labelledby="campaign-tab-test" data-testid="panel-test">
          <TestSendPanel campaigns={campaigns} campaign={campaign} canWrite={canWrite} unsaved={contentDirty} onSent={() => {
            reloadCampaign();
            refreshRuns();
          }} />
        </div>
      ) : null}
      {tab === 'approval' ? (
        <div role="tabpanel" id="campaign-panel-approval" aria-labelledby="campaign-tab-approval" data-testid="panel-approval">
          <ApprovalPanel campaigns={campaigns} campaign={campaign} user={user} people={people} settings={settings} unsaved={unsaved} onChanged={setCampaign} />
        </div>
      ) : null}
      {tab === 'launch' ? (
        <div role="tabpanel" id="campaign-panel-launch" aria-labelledby="campaign-tab-launch" data-testid="panel-launch">
          {unsaved ? <p className="notice notice--warning">{t('campaigns.unsavedLaunch')}</p> : null}
          <LaunchPanel campaigns={campaigns} campaign={campaign} role={user.role} settings={settings} onChanged={onLaunch} onShowApproval={() => setTab('approval')} onShowRuns={() => setTab('runs')} />
        </div>
      ) : null}
      {tab === 'runs' ? (
        <div role="tabpanel" id="campaign-panel-runs" aria-labelledby="campaign-tab-runs" data-testid="panel-runs">
          <RunsPanel runs={runs} people={people} user={user} onRetry={refreshRuns} />
        </div>
      ) : null}
      {tab === 'engagement' ? (
        <div role="tabpanel" id="campaign-panel-engagement" aria-labelledby="campaign-tab-engagement" data-testid="panel-engagement">
          <EngagementPanel engagementApi={engagement} campaignId={campaign.id} live={sendingNow} />
          <CommentsPanel engagementApi={engagement} campaignId={campaign.id} />
        </div>
      ) : null}
      {tab === 'reports' ? (
        <div role="tabpanel" id="campaign-panel-reports" aria-labelledby="campaign-tab-reports" data-testid="panel-reports">
          <CampaignReports api={api} campaignId={campaign.id} user={user} />
        </div>
      ) : null}
      {tab === 'history' ? (
        <div role="tabpanel" id="campaign-panel-history" aria-labelledby="campaign-tab-history" data-testid="panel-history">
          <HistoryPanel audit={campaign.audit} people={people} user={user} />
        </div>
      ) : null}

      {deleting ? (
        <ConfirmDelete
          title={t('campaigns.deleteTitle')}
          text={t('campaigns.deleteConfirm', { name: campaign.name })}
          onClose={() => setDeleting(false)}
          run={() => campaigns.deleteCampaign(campaign.id)}
          onDone={() => {
            window.location.hash = hrefOf('campaigns');
          }}
        />
      ) : null}
    </section>
  );
}

function ReadOnlyNote({ campaign, canWrite }: { campaign: Campaign; canWrite: boolean }) {
  const { t } = useI18n();
  return <p className="notice notice--info" data-testid="campaign-read-only">{canWrite ? t('campaigns.launchedReadOnly', { status: t(`campaignStatus.${campaign.status}`) }) : t('campaigns.readOnly')}</p>;
}
