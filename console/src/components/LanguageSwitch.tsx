import { useI18n } from '../i18n/I18nProvider';
import { isLanguage, languages } from '../i18n/language';

/** A small select; each language is named in its own script so anyone can find theirs. */
export function LanguageSwitch({ tone = 'light' }: { tone?: 'light' | 'dark' }) {
  const { language, setLanguage, t } = useI18n();
  return (
    <label className={`language-switch language-switch--${tone}`}>
      <span className="visually-hidden">{t('lang.label')}</span>
      <span aria-hidden="true" className="language-switch__icon">
        文/A
      </span>
      <select
        data-testid="language-switch"
        value={language}
        onChange={(event) => {
          if (isLanguage(event.target.value)) setLanguage(event.target.value);
        }}
      >
        {languages.map((code) => (
          <option key={code} value={code} lang={code}>
            {t(`lang.${code}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
