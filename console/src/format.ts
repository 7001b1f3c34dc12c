/** Error and date wording shared by the console's pages. */
import { ApiError, NetworkError } from './api';
import { useI18n, type I18n } from './i18n/I18nProvider';

/** What to tell the user about a failed call: the API's own words when it gave some. */
export function errorText(t: I18n['t'], error: unknown): string {
  if (error instanceof NetworkError) return t('common.network');
  if (error instanceof ApiError) return error.problem.detail ?? t('common.unexpected', { status: error.status });
  return t('common.unexpected', { status: '?' });
}

/** Dates and times in the console's language, tolerant of a value that is not a date. */
export function useDateFormat() {
  const { locale } = useI18n();
  const dateTime = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const date = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit' });
  return {
    date: (iso: string) => {
      const value = new Date(iso);
      return Number.isNaN(value.getTime()) ? iso : date.format(value);
    },
    dateTime: (iso: string) => {
      const date = new Date(iso);
      return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
    },
    /** The calendar day (UTC) of an instant: expiry dates are "valid through that day, UTC". */
    day: (iso: string) => iso.slice(0, 10),
  };
}
