/**
 * IdentityStore on the `identity` table. Items:
 *   workspace   pk WS#<ws>      sk WORKSPACE
 *   department  pk WS#<ws>      sk DEPT#<id>
 *   user        pk WS#<ws>      sk USER#<id>    gsi1pk EMAIL#<email>    gsi1sk USER
 *   e-mail      pk EMAIL#<email> sk CLAIM       (uniqueness across workspaces)
 *   api key     pk KEY#<id>     sk KEY          gsi1pk WS#<ws>#KEYS     gsi1sk <createdAt>#<id>
 * Keys live under their own partition so the authorizer finds one by its id alone.
 * Only single-item conditional writes and queries: both emulators support them.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../errors';
import type { Department, StoredApiKey, StoredUser, Workspace } from '../../identity/model';
import type { IdentityStore, UserChanges } from '../../identity/ports';

const LOOKUP_INDEX = 'byLookup';
const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'type'] as const;

const wsKey = (workspaceId: string) => `WS#${workspaceId}`;

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const copy: Record<string, unknown> = { ...item };
  for (const name of KEY_ATTRIBUTES) delete copy[name];
  return copy as T;
}

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException';

export function createDynamoIdentityStore(doc: DynamoDBDocumentClient, tableName: string): IdentityStore {
  async function queryAll<T>(input: Omit<QueryCommandInput, 'TableName'>): Promise<T[]> {
    const items: T[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new QueryCommand({ TableName: tableName, ...input, ExclusiveStartKey }));
      for (const item of page.Items ?? []) items.push(strip<T>(item)!);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  async function putNew(item: Record<string, unknown>): Promise<boolean> {
    try {
      await doc.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  const get = async <T>(pk: string, sk: string): Promise<T | undefined> =>
    strip<T>((await doc.send(new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }))).Item);

  const userItem = (user: StoredUser) => ({
    ...user,
    pk: wsKey(user.workspaceId),
    sk: `USER#${user.id}`,
    gsi1pk: `EMAIL#${user.email}`,
    gsi1sk: 'USER',
    type: 'user',
  });

  return {
    createWorkspace: (workspace: Workspace) => putNew({ ...workspace, pk: wsKey(workspace.id), sk: 'WORKSPACE', type: 'workspace' }),
    getWorkspace: (id) => get<Workspace>(wsKey(id), 'WORKSPACE'),

    async createDepartment(department: Department) {
      if (!(await putNew({ ...department, pk: wsKey(department.workspaceId), sk: `DEPT#${department.id}`, type: 'department' }))) {
        throw new ConflictError(`Department ${department.id} exists`);
      }
    },
    getDepartment: (workspaceId, id) => get<Department>(wsKey(workspaceId), `DEPT#${id}`),
    listDepartments: (workspaceId) =>
      queryAll<Department>({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': wsKey(workspaceId), ':prefix': 'DEPT#' },
        ConsistentRead: true,
      }),

    claimEmail: (email, claimId) => putNew({ pk: `EMAIL#${email}`, sk: 'CLAIM', claimId, type: 'emailClaim' }),
    async releaseEmail(email, claimId) {
      try {
        await doc.send(
          new DeleteCommand({
            TableName: tableName,
            Key: { pk: `EMAIL#${email}`, sk: 'CLAIM' },
            ConditionExpression: 'claimId = :claimId',
            ExpressionAttributeValues: { ':claimId': claimId },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },
    async createUser(user) {
      if (!(await putNew(userItem(user)))) throw new ConflictError(`User ${user.id} exists`);
    },
    getUser: (workspaceId, id) => get<StoredUser>(wsKey(workspaceId), `USER#${id}`),
    async findUserByEmail(email) {
      const [user] = await queryAll<StoredUser>({
        IndexName: LOOKUP_INDEX,
        KeyConditionExpression: 'gsi1pk = :email AND gsi1sk = :user',
        ExpressionAttributeValues: { ':email': `EMAIL#${email}`, ':user': 'USER' },
      });
      return user;
    },
    listUsers: (workspaceId) =>
      queryAll<StoredUser>({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': wsKey(workspaceId), ':prefix': 'USER#' },
        ConsistentRead: true,
      }),
    async updateUser(workspaceId, id, changes: UserChanges) {
      const sets: string[] = [];
      const removes: string[] = [];
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(changes)) {
        if (value === undefined) continue;
        names[`#${field}`] = field;
        if (value === null) removes.push(`#${field}`);
        else {
          sets.push(`#${field} = :${field}`);
          values[`:${field}`] = value;
        }
      }
      const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
        .filter(Boolean)
        .join(' ');
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: wsKey(workspaceId), sk: `USER#${id}` },
            UpdateExpression: expression,
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: names,
            ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
            ReturnValues: 'ALL_NEW',
          }),
        );
        return strip<StoredUser>(Attributes);
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },
    async recordFailedSignIn(workspaceId, id) {
      // ADD is atomic, so parallel wrong guesses each count.
      const { Attributes } = await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: wsKey(workspaceId), sk: `USER#${id}` },
          UpdateExpression: 'ADD failedSignIns :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.failedSignIns ?? 0);
    },

    async createApiKey(key) {
      const item = {
        ...key,
        pk: `KEY#${key.id}`,
        sk: 'KEY',
        gsi1pk: `${wsKey(key.workspaceId)}#KEYS`,
        gsi1sk: `${key.createdAt}#${key.id}`,
        type: 'apiKey',
      };
      if (!(await putNew(item))) throw new ConflictError(`API key ${key.id} exists`);
    },
    getApiKey: (id) => get<StoredApiKey>(`KEY#${id}`, 'KEY'),
    listApiKeys: (workspaceId) =>
      queryAll<StoredApiKey>({
        IndexName: LOOKUP_INDEX,
        KeyConditionExpression: 'gsi1pk = :keys',
        ExpressionAttributeValues: { ':keys': `${wsKey(workspaceId)}#KEYS` },
      }),
    async revokeApiKey(workspaceId, id, revokedAt) {
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `KEY#${id}`, sk: 'KEY' },
            // if_not_exists keeps the first revocation time when revoked twice.
            UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
            ConditionExpression: 'workspaceId = :ws',
            ExpressionAttributeValues: { ':at': revokedAt, ':ws': workspaceId },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return strip<StoredApiKey>(Attributes);
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },
  };
}
