/**
 * The event lake's write path. AWS: a Firehose delivery stream through SDK v3. Locally: the
 * sandbox's Firehose front (infra/local/emulators/firehose.ts), which speaks the same JSON
 * protocol, so the same adapter is used on both hosts. Each record becomes one JSON line.
 */

/** Writes events to the lake. put resolves only when every record is durably accepted (Firehose acknowledged); rejects otherwise. */
export interface EventSink {
  put(records: readonly object[]): Promise<void>;
}
