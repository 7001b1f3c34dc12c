/** Small pieces the catalogue pages (fields, groups, categories, segments) share. */
import { useState, type ReactNode } from 'react';
import { ApiError } from '../api';
import { errorText } from '../format';
import { type MessageKey } from '../i18n/en';
import { useI18n } from '../i18n/I18nProvider';
import { Modal } from './Modal';

/** A success kept as key + values (a language switch re-translates it), or an error in the API's words. */
export type NoticeState = { key: MessageKey; name: string } | { error: string } | undefined;

export function Notice({ notice, onClose }: { notice: NoticeState; onClose: () => void }) {
  const { t } = useI18n();
  if (!notice) return null;
  const error = 'error' in notice;
  return (
    <div className={`notice ${error ? 'notice--error' : 'notice--success'} toast`} role={error ? 'alert' : 'status'} data-testid="notice">
      <span>{error ? notice.error : t(notice.key, { name: notice.name })}</span>
      <button type="button" className="icon-button" aria-label={t('common.close')} onClick={onClose}>
        ×
      </button>
    </div>
  );
}

type Loaded<T> = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; items: T[] };

/** Loading, error (with retry), empty, or the list itself. */
export function PageState<T>({
  state,
  onRetry,
  loadFailed,
  empty,
  emptyHint,
  children,
}: {
  state: Loaded<T>;
  onRetry: () => void;
  loadFailed: string;
  empty: string;
  emptyHint?: string;
  children: (items: T[]) => ReactNode;
}) {
  const { t } = useI18n();
  if (state.kind === 'loading') {
    return (
      <div className="state" role="status">
        <span className="spinner" aria-hidden="true" />
        {t('common.loading')}
      </div>
    );
  }
  if (state.kind === 'error') {
    return (
      <div className="state state--error" role="alert">
        <p>
          <strong>{loadFailed}</strong> {state.message}
        </p>
        <button type="button" className="button" onClick={onRetry}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
  if (state.items.length === 0) {
    return (
      <div className="state" data-testid="list-empty">
        <p>
          <strong>{empty}</strong>
        </p>
        {emptyHint ? <p className="muted">{emptyHint}</p> : null}
      </div>
    );
  }
  return <>{children(state.items)}</>;
}

/** "Delete X?" with the API's refusal shown in the dialog; a 404 counts as done. */
export function ConfirmDelete({
  title,
  text,
  run,
  onDone,
  onClose,
}: {
  title: string;
  text: string;
  run: () => Promise<unknown>;
  onDone: () => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      await run();
    } catch (caught) {
      if (!(caught instanceof ApiError && caught.status === 404)) {
        setError(errorText(t, caught));
        setBusy(false);
        return;
      }
    }
    setBusy(false);
    onDone();
  }
  return (
    <Modal
      title={title}
      size="small"
      testId="delete-dialog"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose} autoFocus>
            {t('common.cancel')}
          </button>
          <button type="button" className="button button--danger" onClick={confirm} disabled={busy} data-testid="delete-confirm">
            {busy ? t('common.deleting') : t('common.delete')}
          </button>
        </>
      }
    >
      <p>{text}</p>
      {error ? (
        <p className="notice notice--error" role="alert">
          {error}
        </p>
      ) : null}
    </Modal>
  );
}
