/**
 * UsagePlanRegistry on API Gateway: one API key + one usage plan (throttle = the key's rate and
 * burst) on this API's stage per partner key. The REST API's key source is AUTHORIZER, so partners
 * never send the API Gateway key: the authorizer returns its value as `usageIdentifierKey`.
 */
import {
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanCommand,
  NotFoundException,
  UpdateUsagePlanCommand,
  type APIGatewayClient,
} from '@aws-sdk/client-api-gateway';
import { randomBytes } from 'node:crypto';
import type { UsagePlanRegistry } from '../../identity/ports';

const ignoreNotFound = (error: unknown) => {
  if (!(error instanceof NotFoundException)) throw error;
};

export function createApiGatewayUsagePlans(apigw: APIGatewayClient, options: { restApiId: string; stage: string }): UsagePlanRegistry {
  return {
    async register(request) {
      const name = `pigeon-${request.workspaceId}-${request.keyId}`;
      const apiKey = await apigw.send(
        new CreateApiKeyCommand({
          name,
          enabled: true,
          value: randomBytes(24).toString('hex'),
          description: `Partner key "${request.name}"`.slice(0, 120),
          tags: { workspaceId: request.workspaceId, keyId: request.keyId },
        }),
      );
      let usagePlanId: string | undefined;
      try {
        const plan = await apigw.send(
          new CreateUsagePlanCommand({
            name,
            throttle: { rateLimit: request.rateLimit, burstLimit: request.burstLimit },
            apiStages: [{ apiId: options.restApiId, stage: options.stage }],
            tags: { workspaceId: request.workspaceId, keyId: request.keyId },
          }),
        );
        usagePlanId = plan.id!;
        await apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId, keyId: apiKey.id!, keyType: 'API_KEY' }));
      } catch (error) {
        // Leave nothing half-made behind: a key without a plan would be unthrottled.
        await this.remove({ usageKey: apiKey.value!, apiGatewayKeyId: apiKey.id!, ...(usagePlanId ? { usagePlanId } : {}) }).catch(() => {});
        throw error;
      }
      return { usageKey: apiKey.value!, apiGatewayKeyId: apiKey.id!, usagePlanId };
    },
    async remove(ref) {
      if (ref.apiGatewayKeyId) await apigw.send(new DeleteApiKeyCommand({ apiKey: ref.apiGatewayKeyId })).catch(ignoreNotFound);
      if (ref.usagePlanId) {
        // A plan still attached to a stage cannot be deleted.
        await apigw
          .send(
            new UpdateUsagePlanCommand({
              usagePlanId: ref.usagePlanId,
              patchOperations: [{ op: 'remove', path: '/apiStages', value: `${options.restApiId}:${options.stage}` }],
            }),
          )
          .catch(ignoreNotFound);
        await apigw.send(new DeleteUsagePlanCommand({ usagePlanId: ref.usagePlanId })).catch(ignoreNotFound);
      }
    },
  };
}
