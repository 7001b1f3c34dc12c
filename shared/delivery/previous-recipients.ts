/**
 * The recipients of an earlier run, read from the delivery ledger (resends and "previous campaign"
 * audiences). Stable order (the ledger's sort key: the address). Openers and clickers come from
 * the engagement the tracking endpoints note on ledger records (openedAt / clickedAt).
 */
import type { PreviousRecipients } from '../campaigns/model';
import type { CampaignRun } from '../campaigns/model';
import type { PreviousRecipient, RunRecipientsReader } from '../audience/ports';
import type { DeliveryLedger } from './ledger';
import type { DeliveryRecord } from './types';

const wanted: Readonly<Record<PreviousRecipients, (r: DeliveryRecord) => boolean>> = {
  all: (r) => r.status === 'sent',
  failed: (r) => r.status === 'failed',
  openers: (r) => r.status === 'sent' && !!r.openedAt,
  clickers: (r) => r.status === 'sent' && !!r.clickedAt,
  nonOpeners: (r) => r.status === 'sent' && !r.openedAt,
};

export function ledgerRecipientsReader(ledger: Pick<DeliveryLedger, 'listRun'>, listRuns: (ws: string, campaignId: string) => Promise<CampaignRun[]>): RunRecipientsReader {
  return {
    async *read(ws, campaignId, runId, who): AsyncIterable<PreviousRecipient> {
      let id = runId;
      if (!id) {
        // The latest real send: test runs are kept out.
        const runs = await listRuns(ws, campaignId);
        id = runs.find((r) => r.type !== 'test' && r.status !== 'scheduled')?.id;
        if (!id) return;
      }
      const keep = wanted[who];
      for await (const page of ledger.listRun(id)) {
        for (const record of page) {
          if (record.workspaceId !== ws || !keep(record)) continue;
          yield { email: record.email, ...(record.contactId ? { contactId: record.contactId } : {}) };
        }
      }
    },
  };
}
