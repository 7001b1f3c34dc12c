/**
 * The segment routes as Operations, and their ports built from the environment once per container
 * (on first use, so a function that never counts never needs the scanner).
 */
import { contactScannerFromEnv } from '../adapters/aws/contact-scanner.dynamodb';
import { segmentStoreFromEnv } from '../adapters/aws/segment-store.dynamodb';
import type { Operation, OperationRequest } from '../api/operation';
import type { OperationId } from '../api/routes';
import type { ContactDeps } from '../contacts/contacts';
import { principalOf } from '../http/router';
import type { ContactScanner, SegmentStore } from './ports';
import { countSegment, createSegment, deleteSegment, getSegment, listSegments, previewSegment, updateSegment, type SegmentDeps } from './segments';

export type SegmentOperationId = Extract<
  OperationId,
  'listSegments' | 'createSegment' | 'getSegment' | 'updateSegment' | 'deleteSegment' | 'previewSegment' | 'countSegment'
>;

const idOf = (request: OperationRequest): string => request.pathParameters.id ?? '';
const ok = (body: unknown) => ({ status: 200, body });

export function createSegmentOperations(deps: SegmentDeps): Record<SegmentOperationId, Operation> {
  return {
    listSegments: async (request) => ok(await listSegments(deps, principalOf(request))),
    createSegment: async (request) => {
      const segment = await createSegment(deps, principalOf(request), request.body);
      return { status: 201, body: segment, headers: { Location: `${request.baseUrl}/segments/${encodeURIComponent(segment.id)}` } };
    },
    getSegment: async (request) => ok(await getSegment(deps, principalOf(request), idOf(request))),
    updateSegment: async (request) => ok(await updateSegment(deps, principalOf(request), idOf(request), request.body)),
    deleteSegment: async (request) => {
      await deleteSegment(deps, principalOf(request), idOf(request));
      return { status: 204 };
    },
    previewSegment: async (request) => ok(await previewSegment(deps, principalOf(request), request.body)),
    countSegment: async (request) => ok(await countSegment(deps, principalOf(request), idOf(request))),
  };
}

/** Segment deps on top of the contact deps (shared definitions cache), the rest built on first use. */
export function segmentDepsFromEnv(contacts: ContactDeps): SegmentDeps {
  let segments: SegmentStore | undefined;
  let scanner: ContactScanner | undefined;
  return {
    ...contacts,
    get segments() {
      return (segments ??= segmentStoreFromEnv());
    },
    get scanner() {
      return (scanner ??= contactScannerFromEnv());
    },
  };
}
