/**
 * Forward to friends: the friends become a one-part "forward" of the run — a part file in the
 * uploads bucket and a message on the priority mail lane. The mail worker sends it like any part
 * (ledger: once per friend and run; suppression applies), with the forwarder in each friend's
 * token so the friend's opens and clicks carry the lineage.
 */
import { ulid } from '../../contacts/ids';
import type { FrozenRecipient } from '../../audience/types';
import type { MailBatchMessage } from '../../delivery/types';
import type { BlobStore } from '../../ports/blob-store';
import type { Queue } from '../../ports/queue';
import type { ForwardRequest } from './ports';

export function forwardSender(deps: { readonly uploads: BlobStore; readonly lane: Queue; readonly now: () => number }): (request: ForwardRequest) => Promise<void> {
  return async (request) => {
    const key = `audiences/${request.workspaceId}/${request.campaignId}/${request.runId}/forwards/${ulid(deps.now())}.ndjson`;
    const lines = request.friends.map((email): FrozenRecipient => ({ email, fields: { forwarded_by: request.forwardedBy } }));
    await deps.uploads.put(key, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`, 'application/x-ndjson');
    const message: MailBatchMessage = {
      workspaceId: request.workspaceId,
      campaignId: request.campaignId,
      runId: request.runId,
      part: key,
      partIndex: 1,
      forward: { by: request.forwardedBy, depth: request.depth },
    };
    await deps.lane.send({ body: message });
  };
}
