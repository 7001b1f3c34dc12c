/**
 * DefinitionStore on the `contacts` table, in the workspace's own partition next to its contacts,
 * under sort keys no contact query reaches (contacts list `begins_with(sk, 'CONTACT#')`, and
 * definitions carry no search-index keys):
 *
 *   WS#<ws> / DEF#FIELD#<name>       a custom field (type 'fieldDef'; its data type in `fieldType`)
 *   WS#<ws> / DEF#GROUP#<id>         a group
 *   WS#<ws> / DEF#CATEGORY#<id>      a newsletter category
 *
 * One query on `DEF#` loads them all. Usage marks (`used`, `usedChoices`) are only ever added,
 * with UpdateItem, so a definition edit (which SETs the definitional attributes only) never
 * overwrites a mark made in between.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../config';
import { StaleVersionError } from '../../contacts/contact-store';
import { FieldInUseError, DuplicateFieldError, type DefinitionKind, type DefinitionStore } from '../../contacts/definition-store';
import type { Category, CustomFieldDefinition, Definitions, Group } from '../../contacts/definitions';
import { documentClientFromEnv } from './contact-store.dynamodb';

type Item = Record<string, unknown>;

const partition = (ws: string) => `WS#${ws}`;
const fieldSk = (name: string) => `DEF#FIELD#${name}`;
const kindSk = (kind: DefinitionKind, id: string) => `DEF#${kind.toUpperCase()}#${id}`;

const isConditionFailure = (error: unknown): boolean => error instanceof Error && error.name === 'ConditionalCheckFailedException';

const storageKeys = new Set(['pk', 'sk', 'type', 'fieldType', 'usedChoices']);
const strip = (item: Item): Item => Object.fromEntries(Object.entries(item).filter(([key]) => !storageKeys.has(key)));

function fieldOf(item: Item): CustomFieldDefinition {
  const choices = item.usedChoices instanceof Set ? [...(item.usedChoices as Set<string>)].sort() : [];
  return { ...(strip(item) as unknown as CustomFieldDefinition), type: item.fieldType as CustomFieldDefinition['type'], ...(choices.length ? { usedChoices: choices } : {}) };
}

export class DynamoDefinitionStore implements DefinitionStore {
  constructor(private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  private get db() {
    return this.options.client;
  }
  private get table() {
    return this.options.tableName;
  }

  async load(ws: string): Promise<Definitions> {
    const fields: CustomFieldDefinition[] = [];
    const groups: Group[] = [];
    const categories: Category[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :d)',
          ExpressionAttributeValues: { ':p': partition(ws), ':d': 'DEF#' },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of (page.Items ?? []) as Item[]) {
        if (item.type === 'fieldDef') fields.push(fieldOf(item));
        else if (item.type === 'group') groups.push(strip(item) as unknown as Group);
        else if (item.type === 'category') categories.push(strip(item) as unknown as Category);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
    return { fields: fields.sort(byName), groups: groups.sort(byName), categories: categories.sort(byName) };
  }

  async createField(ws: string, field: CustomFieldDefinition): Promise<void> {
    const { type, used: _used, usedChoices: _choices, ...rest } = field;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...rest, fieldType: type, pk: partition(ws), sk: fieldSk(field.name), type: 'fieldDef' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new DuplicateFieldError(field.name);
      throw error;
    }
  }

  async updateField(
    ws: string,
    next: CustomFieldDefinition,
    previous: CustomFieldDefinition,
    guard: { typeChanged: boolean; removedChoices: readonly string[] },
  ): Promise<void> {
    const values: Item = {
      ':rev': previous.revision,
      ':nextRev': next.revision,
      ':label': next.label,
      ':fieldType': next.type,
      ':required': next.required,
      ':validation': next.validation,
      ':updatedAt': next.updatedAt,
    };
    const conditions = ['#revision = :rev'];
    if (guard.typeChanged) conditions.push('attribute_not_exists(#used)');
    guard.removedChoices.forEach((choice, i) => {
      values[`:c${i}`] = choice;
      conditions.push(`NOT contains(#usedChoices, :c${i})`);
    });
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: partition(ws), sk: fieldSk(previous.name) },
          UpdateExpression:
            'SET #label = :label, fieldType = :fieldType, #required = :required, #validation = :validation, #revision = :nextRev, updatedAt = :updatedAt',
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: {
            '#revision': 'revision',
            '#label': 'label',
            '#required': 'required',
            '#validation': 'validation',
            ...(guard.typeChanged ? { '#used': 'used' } : {}),
            ...(guard.removedChoices.length ? { '#usedChoices': 'usedChoices' } : {}),
          },
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item: stored } = await this.db.send(
        new GetCommand({ TableName: this.table, Key: { pk: partition(ws), sk: fieldSk(previous.name) }, ConsistentRead: true }),
      );
      if (!stored || stored.revision !== previous.revision) throw new StaleVersionError(`Field ${previous.name} changed meanwhile`);
      const current = fieldOf(stored);
      if (guard.typeChanged && current.used) {
        throw new FieldInUseError(`Contacts hold values of ${previous.name} as ${previous.type}: its type can no longer change. Create a new field instead.`, [
          { field: 'type', message: 'The field is in use' },
        ]);
      }
      const inUse = guard.removedChoices.filter((c) => current.usedChoices?.includes(c));
      throw new FieldInUseError(`Contacts hold the choice(s) ${inUse.join(', ')} of ${previous.name}: they cannot be removed`, [
        { field: 'validation.options', message: `In use: ${inUse.join(', ')}` },
      ]);
    }
  }

  async deleteField(ws: string, field: CustomFieldDefinition): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: partition(ws), sk: fieldSk(field.name) } }));
  }

  async markUsage(ws: string, field: CustomFieldDefinition, choices: readonly string[]): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: partition(ws), sk: fieldSk(field.name) },
          UpdateExpression: `SET #used = :true${choices.length ? ' ADD #usedChoices :choices' : ''}`,
          ConditionExpression: '#revision = :rev',
          ExpressionAttributeNames: { '#used': 'used', '#revision': 'revision', ...(choices.length ? { '#usedChoices': 'usedChoices' } : {}) },
          ExpressionAttributeValues: { ':true': true, ':rev': field.revision, ...(choices.length ? { ':choices': new Set(choices) } : {}) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async put(ws: string, kind: DefinitionKind, item: Group | Category, previousVersion?: number): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...item, pk: partition(ws), sk: kindSk(kind, item.id), type: kind },
          ...(previousVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#version = :version',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':version': previousVersion },
              }),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new StaleVersionError(`The ${kind} ${item.id} changed meanwhile`);
      throw error;
    }
  }

  async remove(ws: string, kind: DefinitionKind, id: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: partition(ws), sk: kindSk(kind, id) } }));
  }
}

export function definitionStoreFromEnv(): DefinitionStore {
  return new DynamoDefinitionStore({ client: documentClientFromEnv(), tableName: tableName('contacts') });
}
