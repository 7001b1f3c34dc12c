import { type Condition, type RuleOp, type RuleTree, type RuleValue } from '../catalog-api';
import { en, type MessageKey } from '../i18n/en';
import { useI18n } from '../i18n/I18nProvider';
import {
  defaultValue,
  errorPathOf,
  isTree,
  maxDepth,
  newCondition,
  opsByKind,
  replaceAt,
  shapeOf,
  updateGroupAt,
  type NodePath,
  type RuleField,
} from '../rules';

interface Props {
  tree: RuleTree;
  fields: readonly RuleField[];
  onChange: (tree: RuleTree) => void;
  /** API problems by node (`conditions.1`, `conditions.2.conditions.0`; '' for the root). */
  errors: ReadonlyMap<string, readonly string[]>;
  readOnly?: boolean;
}

/**
 * The segment rule builder: groups matching all (AND) or any (OR) of their conditions, nested up
 * to three levels; each condition picks a field, an operator valid for the field's kind, and a
 * value input suited to both.
 */
export function RuleBuilder(props: Props) {
  return <GroupEditor {...props} group={props.tree} path={[]} />;
}

function GroupEditor({ tree, group, path, fields, onChange, errors, readOnly }: Props & { group: RuleTree; path: NodePath }) {
  const { t } = useI18n();
  const depth = path.length + 1;
  const nodeErrors = errors.get(errorPathOf(path));
  const setGroup = (change: (group: RuleTree) => RuleTree) => onChange(updateGroupAt(tree, path, change));
  // A new condition starts complete (status is active), so the live count follows at once.
  const starter = fields.find((f) => f.id === 'status') ?? fields[0];
  return (
    <div className={`rule-group rule-group--level${depth}`} data-testid="rule-group" data-depth={depth}>
      <div className="rule-group__header">
        <label className="rule-group__match">
          <span>{t('rules.matchPrefix')}</span>
          <select value={group.match} onChange={(e) => setGroup((g) => ({ ...g, match: e.target.value as RuleTree['match'] }))} disabled={readOnly} data-testid="rule-match">
            <option value="all">{t('rules.match.all')}</option>
            <option value="any">{t('rules.match.any')}</option>
          </select>
          <span>{t('rules.matchSuffix')}</span>
        </label>
        {path.length > 0 && !readOnly ? (
          <button type="button" className="button button--small button--danger-ghost" onClick={() => onChange(replaceAt(tree, path, undefined))} data-testid="rule-group-remove">
            {t('rules.removeGroup')}
          </button>
        ) : null}
      </div>
      {nodeErrors ? <p className="field__error">{nodeErrors.join(' ')}</p> : null}
      {group.conditions.length === 0 ? <p className="muted rule-group__empty">{path.length === 0 ? t('rules.emptyRoot') : t('rules.emptyGroup')}</p> : null}
      <ol className="rule-group__list">
        {group.conditions.map((node, index) => {
          const childPath = [...path, index];
          return (
            <li key={index} className="rule-group__item">
              {index > 0 ? <span className="rule-join">{t(group.match === 'all' ? 'rules.and' : 'rules.or')}</span> : null}
              {isTree(node) ? (
                <GroupEditor tree={tree} group={node} path={childPath} fields={fields} onChange={onChange} errors={errors} readOnly={readOnly} />
              ) : (
                <ConditionEditor
                  condition={node}
                  fields={fields}
                  errors={errors.get(errorPathOf(childPath))}
                  readOnly={readOnly}
                  onChange={(next) => onChange(replaceAt(tree, childPath, next))}
                  onRemove={() => onChange(replaceAt(tree, childPath, undefined))}
                />
              )}
            </li>
          );
        })}
      </ol>
      {!readOnly ? (
        <div className="rule-group__actions">
          <button type="button" className="button button--small" onClick={() => setGroup((g) => ({ ...g, conditions: [...g.conditions, newCondition(starter)] }))} data-testid="rule-add-condition">
            + {t('rules.addCondition')}
          </button>
          {depth < maxDepth ? (
            <button
              type="button"
              className="button button--small"
              onClick={() => setGroup((g) => ({ ...g, conditions: [...g.conditions, { match: g.match === 'all' ? 'any' : 'all', conditions: [newCondition(starter)] }] }))}
              data-testid="rule-add-group"
            >
              + {t('rules.addGroup')}
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

function ConditionEditor({
  condition,
  fields,
  errors,
  readOnly,
  onChange,
  onRemove,
}: {
  condition: Condition;
  fields: readonly RuleField[];
  errors?: readonly string[];
  readOnly?: boolean;
  onChange: (condition: Condition) => void;
  onRemove: () => void;
}) {
  const { t } = useI18n();
  const field = fields.find((f) => f.id === condition.field);
  const ops = field ? opsByKind[field.kind] : [condition.op];
  const labelOf = (f: RuleField) => ('key' in f.label ? t(f.label.key as MessageKey) : f.label.text);
  const sections: { id: RuleField['section']; label: MessageKey }[] = [
    { id: 'standard', label: 'rules.section.standard' },
    { id: 'membership', label: 'rules.section.membership' },
    { id: 'custom', label: 'rules.section.custom' },
    { id: 'activity', label: 'rules.section.activity' },
  ];

  function pickField(id: string) {
    const next = fields.find((f) => f.id === id);
    if (!next) return;
    // Keep the operator when the new field allows it, else the field's first one; values restart.
    const op = opsByKind[next.kind].includes(condition.op) ? condition.op : (opsByKind[next.kind][0] as RuleOp);
    const value = defaultValue(next, op);
    onChange({ field: id, op, ...(value !== undefined ? { value } : {}) });
  }

  function pickOp(op: RuleOp) {
    const keep = shapeOf(op) === shapeOf(condition.op);
    const value = keep ? condition.value : defaultValue(field, op);
    onChange({ field: condition.field, op, ...(value !== undefined ? { value } : {}) });
  }

  return (
    <div className={`rule-condition${errors ? ' field--invalid' : ''}`} data-testid="rule-condition">
      <select aria-label={t('rules.field')} value={condition.field} onChange={(e) => pickField(e.target.value)} disabled={readOnly} data-testid="rule-field">
        {field ? null : <option value={condition.field}>{condition.field}</option>}
        {sections.map((section) => {
          const list = fields.filter((f) => f.section === section.id);
          return list.length === 0 ? null : (
            <optgroup key={section.id} label={t(section.label)}>
              {list.map((f) => (
                <option key={f.id} value={f.id}>
                  {labelOf(f)}
                </option>
              ))}
            </optgroup>
          );
        })}
      </select>
      <select aria-label={t('rules.op')} value={condition.op} onChange={(e) => pickOp(e.target.value as RuleOp)} disabled={readOnly} data-testid="rule-op">
        {ops.map((op) => (
          <option key={op} value={op}>
            {t(opLabel(field, op))}
          </option>
        ))}
      </select>
      <ValueInput condition={condition} field={field} readOnly={readOnly} onChange={(value) => onChange({ ...condition, ...(value !== undefined ? { value } : {}) })} />
      {!readOnly ? (
        <button type="button" className="icon-button rule-condition__remove" aria-label={t('rules.removeCondition')} onClick={onRemove} data-testid="rule-remove">
          ×
        </button>
      ) : null}
      {errors ? <p className="field__error rule-condition__error">{errors.join(' ')}</p> : null}
    </div>
  );
}

/** The operator's wording for the field's kind ("is after" for dates, "subscribed to" for categories), else the general one. */
function opLabel(field: RuleField | undefined, op: RuleOp): MessageKey {
  const kind = field?.kind === 'timestamp' ? 'date' : field?.kind;
  const specific = `rules.op.${kind}.${op}`;
  return (Object.hasOwn(en, specific) ? specific : `rules.op.${op}`) as MessageKey;
}

function ValueInput({ condition, field, readOnly, onChange }: { condition: Condition; field?: RuleField; readOnly?: boolean; onChange: (value: RuleValue | undefined) => void }) {
  const { t } = useI18n();
  const shape = shapeOf(condition.op);
  const kind = field?.kind ?? 'text';
  const inputType = kind === 'number' ? 'number' : kind === 'date' || kind === 'timestamp' ? 'date' : 'text';
  const parse = (text: string): string | number => (kind === 'number' && text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text);
  const value = condition.value;

  if (shape === 'none') return <span className="rule-condition__value" />;
  if (shape === 'days') {
    return (
      <span className="rule-condition__value rule-days">
        <input type="number" min={1} aria-label={t('rules.days')} value={typeof value === 'number' || typeof value === 'string' ? String(value) : ''} onChange={(e) => onChange(parse(e.target.value) === '' ? '' : Number(e.target.value))} disabled={readOnly} data-testid="rule-value" />
        <span>{t('rules.daysUnit')}</span>
      </span>
    );
  }
  if (shape === 'two') {
    const pair = Array.isArray(value) ? value : ['', ''];
    const at = (i: number) => String(pair[i] ?? '');
    const set = (i: number, text: string) => onChange(i === 0 ? [parse(text), pair[1] ?? ''] : [pair[0] ?? '', parse(text)]);
    return (
      <span className="rule-condition__value rule-between">
        <input type={inputType} aria-label={t('rules.from')} value={at(0)} onChange={(e) => set(0, e.target.value)} disabled={readOnly} data-testid="rule-value" />
        <span>{t('rules.and')}</span>
        <input type={inputType} aria-label={t('rules.to')} value={at(1)} onChange={(e) => set(1, e.target.value)} disabled={readOnly} data-testid="rule-value-2" />
      </span>
    );
  }
  if (shape === 'list') {
    const list = Array.isArray(value) ? value.map(String) : [];
    if (field?.options) {
      return (
        <span className="rule-condition__value rule-options" role="group" aria-label={t('rules.value')}>
          {field.options.length === 0 ? <span className="muted">{t('rules.noOptions')}</span> : null}
          {field.options.map((option) => (
            <label key={option.value} className="choice">
              <input
                type="checkbox"
                checked={list.includes(option.value)}
                disabled={readOnly}
                onChange={(e) => onChange(e.target.checked ? [...list, option.value] : list.filter((v) => v !== option.value))}
              />
              {option.label}
            </label>
          ))}
        </span>
      );
    }
    return (
      <input
        className="rule-condition__value"
        aria-label={t('rules.value')}
        placeholder={t('rules.listHint')}
        defaultValue={list.join(', ')}
        onChange={(e) => onChange(e.target.value.split(/[,，、]/).map((v) => v.trim()).filter(Boolean).map(parse))}
        disabled={readOnly}
        data-testid="rule-value"
      />
    );
  }
  if (field?.kind === 'boolean') {
    return (
      <select className="rule-condition__value" aria-label={t('rules.value')} value={String(value === true)} onChange={(e) => onChange(e.target.value === 'true')} disabled={readOnly} data-testid="rule-value">
        <option value="true">{t('catalog.yes')}</option>
        <option value="false">{t('catalog.no')}</option>
      </select>
    );
  }
  if (field?.options) {
    const text = typeof value === 'string' ? value : '';
    return (
      <select className="rule-condition__value" aria-label={t('rules.value')} value={text} onChange={(e) => onChange(e.target.value)} disabled={readOnly} data-testid="rule-value">
        {field.options.some((o) => o.value === text) ? null : <option value={text}>{text || t('rules.choose')}</option>}
        {field.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    );
  }
  return (
    <input
      className="rule-condition__value"
      type={inputType}
      aria-label={t('rules.value')}
      value={typeof value === 'string' || typeof value === 'number' ? String(value) : ''}
      onChange={(e) => onChange(parse(e.target.value))}
      disabled={readOnly}
      data-testid="rule-value"
    />
  );
}
