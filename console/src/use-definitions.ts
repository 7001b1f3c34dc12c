import { useCallback, useEffect, useState } from 'react';
import { type Category, type CatalogApi, type CustomField, type Group } from './catalog-api';

export interface Definitions {
  readonly fields: readonly CustomField[];
  readonly groups: readonly Group[];
  readonly categories: readonly Category[];
}

const empty: Definitions = { fields: [], groups: [], categories: [] };

/**
 * The workspace's custom fields, groups and categories, loaded together for the contact form,
 * the list filters and the rule builder. A part that fails to load stays empty and is reported,
 * so the contacts page still works without it.
 */
export function useDefinitions(catalog: CatalogApi): { defs: Definitions; loaded: boolean; failed: unknown; reload: () => void } {
  const [defs, setDefs] = useState<Definitions>(empty);
  const [loaded, setLoaded] = useState(false);
  const [failed, setFailed] = useState<unknown>();
  const [count, setCount] = useState(0);

  useEffect(() => {
    let current = true;
    void Promise.allSettled([catalog.listFields(), catalog.listGroups(), catalog.listCategories()]).then(([fields, groups, categories]) => {
      if (!current) return;
      const error = [fields, groups, categories].find((r) => r.status === 'rejected');
      setFailed(error?.status === 'rejected' ? error.reason : undefined);
      setDefs({
        fields: fields.status === 'fulfilled' ? fields.value.items : [],
        groups: groups.status === 'fulfilled' ? [...groups.value.items].sort((a, b) => a.name.localeCompare(b.name)) : [],
        categories: categories.status === 'fulfilled' ? [...categories.value.items].sort((a, b) => a.name.localeCompare(b.name)) : [],
      });
      setLoaded(true);
    });
    return () => {
      current = false;
    };
  }, [catalog, count]);

  const reload = useCallback(() => setCount((c) => c + 1), []);
  return { defs, loaded, failed, reload };
}
