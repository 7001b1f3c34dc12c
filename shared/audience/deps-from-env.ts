/**
 * The audience ports on AWS (and the sandbox's emulators), from the environment: TABLE_CONTACTS
 * (contacts, definitions, segments), TABLE_SUPPRESSION, BUCKET_UPLOADS. Each adapter is built on
 * first use and kept for the container. The recipients of earlier runs come from the delivery
 * ledger, which the caller owns: it passes that reader in.
 */
import { s3BlobStore } from '../adapters/aws/blob-store.s3';
import { contactScannerFromEnv } from '../adapters/aws/contact-scanner.dynamodb';
import { documentClientFromEnv, DynamoContactStore } from '../adapters/aws/contact-store.dynamodb';
import { definitionStoreFromEnv } from '../adapters/aws/definition-store.dynamodb';
import { segmentStoreFromEnv } from '../adapters/aws/segment-store.dynamodb';
import { suppressionStoreFromEnv } from '../adapters/aws/suppression-store.dynamodb';
import { tableName } from '../config';
import type { DefinitionStore } from '../contacts/definition-store';
import type { BlobStore } from '../ports/blob-store';
import { systemClock, type Clock } from '../ports/clock';
import type { ContactScanner, SegmentStore } from '../segments/ports';
import type { SuppressionStore } from '../suppression/ports';
import type { AudienceContactReader, AudienceDeps, RunRecipientsReader } from './ports';
import { createGuardedFetch } from './url-guard';

export function audienceDepsFromEnv(options: { readonly previousRecipients: RunRecipientsReader; readonly clock?: Clock }): AudienceDeps {
  const clock = options.clock ?? systemClock;
  let contacts: AudienceContactReader | undefined;
  let definitions: DefinitionStore | undefined;
  let scanner: ContactScanner | undefined;
  let segments: SegmentStore | undefined;
  let suppression: SuppressionStore | undefined;
  let blobs: BlobStore | undefined;
  return {
    clock,
    previousRecipients: options.previousRecipients,
    fetchList: createGuardedFetch(),
    // The DynamoDB store itself (not the ContactStore port): it reads by id and by address in bulk.
    get contacts() {
      return (contacts ??= new DynamoContactStore({ client: documentClientFromEnv(), tableName: tableName('contacts'), clock }));
    },
    get definitions() {
      return (definitions ??= definitionStoreFromEnv());
    },
    get scanner() {
      return (scanner ??= contactScannerFromEnv());
    },
    get segments() {
      return (segments ??= segmentStoreFromEnv());
    },
    get suppression() {
      return (suppression ??= suppressionStoreFromEnv());
    },
    get blobs() {
      return (blobs ??= s3BlobStore('uploads'));
    },
  };
}
