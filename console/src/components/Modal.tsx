import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useI18n } from '../i18n/I18nProvider';

/**
 * A modal on the native <dialog>: the browser traps focus, handles Escape and marks the rest of
 * the page inert, so there is no focus-trap code to get wrong.
 */
export function Modal({
  title,
  onClose,
  children,
  footer,
  testId,
  size = 'normal',
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer: ReactNode;
  testId?: string;
  size?: 'normal' | 'small';
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { t } = useI18n();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    <dialog
      ref={ref}
      className={`modal modal--${size}`}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault(); // let React state decide when it closes
        onClose();
      }}
    >
      <header className="modal__header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={t('common.close')}>
          ×
        </button>
      </header>
      <div className="modal__body">{children}</div>
      <footer className="modal__footer">{footer}</footer>
    </dialog>
  );
}
