import { cloneElement, type ReactElement, type ReactNode } from 'react';

/**
 * One labelled input with its hint and error, wired for screen readers (aria-describedby,
 * aria-invalid). The child is the input itself; its id is set here.
 */
export function FormField({
  id,
  label,
  hint,
  error,
  testId,
  wide,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  testId?: string;
  wide?: boolean;
  children: ReactElement<Record<string, unknown>>;
}) {
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className={`field${error ? ' field--invalid' : ''}${wide ? ' form-grid__wide' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy || undefined })}
      {hint ? (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field__error" data-testid={testId ? `${testId}-error` : undefined}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A group of checkboxes or radios with a legend, its hint and error. */
export function FieldSet({
  legend,
  hint,
  error,
  testId,
  wide,
  children,
}: {
  legend: string;
  hint?: string;
  error?: string;
  testId?: string;
  wide?: boolean;
  children: ReactNode;
}) {
  return (
    <fieldset className={`field fieldset${error ? ' field--invalid' : ''}${wide ? ' form-grid__wide' : ''}`} data-testid={testId}>
      <legend>{legend}</legend>
      {children}
      {hint ? <p className="field__hint">{hint}</p> : null}
      {error ? (
        <p className="field__error" data-testid={testId ? `${testId}-error` : undefined}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
