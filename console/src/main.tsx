import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadConfig } from './config';
import { I18nProvider } from './i18n/I18nProvider';
import { initialLanguage, storageKey, translate } from './i18n/language';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <I18nProvider>
          <App config={config} />
        </I18nProvider>
      </StrictMode>,
    ),
  (error: unknown) => {
    console.error(error);
    let stored: string | null = null;
    try {
      stored = localStorage.getItem(storageKey);
    } catch {
      // ignore
    }
    const language = initialLanguage(stored, navigator.languages);
    root.render(
      <main className="fatal" role="alert" data-testid="config-error">
        {translate(language, 'app.configFailed')}
      </main>,
    );
  },
);
