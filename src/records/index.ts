/**
 * "Why was it rebuilt?": the explain record of an image about to be built, compared with the record of the
 * last build of the same image on the same branch (store.ts), and the label that carries the new record in
 * the image itself (read back by `imagespec explain --against`).
 */
import { diffRecords, type DescribedChange } from '../hash/changes.js';
import { RECORD_LABEL, serializeRecord, type ExplainRecord } from '../hash/record.js';
import type { PlannedImage } from '../spec/types.js';

/**
 * Where records of earlier builds are kept (the action's: the Actions cache, store.ts). Loaded lazily by
 * the action, so this module stays free of the cache client.
 */
export interface RecordStore {
  /**
   * The record of the last build of this image on this branch (or the base branch): none means a first
   * build; `unavailable` means there is no store to ask (no cache service), so nothing can be said.
   */
  previous(
    planned: PlannedImage,
  ): Promise<{ record?: ExplainRecord; warning?: string; unavailable?: boolean }>;
  /** Keeps the record of a build that succeeded; returns a warning when it could not. */
  save(planned: PlannedImage, record: ExplainRecord): Promise<string | undefined>;
}

export interface RebuildReason {
  /** The differences from the last record; null when there is none (first build); undefined: unknown. */
  changes?: DescribedChange[] | null;
  warning?: string;
}

/** Compares an image's record with the last one the store holds. */
export async function rebuildReason(
  store: RecordStore,
  planned: PlannedImage,
  record: ExplainRecord,
): Promise<RebuildReason> {
  const previous = await store.previous(planned);
  if (previous.unavailable) return {};
  const out: RebuildReason = { changes: previous.record ? diffRecords(previous.record, record) : null };
  if (previous.warning) out.warning = previous.warning;
  return out;
}

/** One line for the report's reason column: which fields changed, or that none was recorded before. */
export function reasonLine(changes: readonly DescribedChange[] | null): string {
  if (changes === null) return 'first build: no record of an earlier build of this image on this branch';
  if (changes.length === 0) return 'no hash input differs from the last build on this branch';
  return `changed since the last build on this branch: ${changes.map((c) => c.field).join(', ')}`;
}

/** The labels of a build with the image's record added. */
export function withRecordLabel(
  labels: Readonly<Record<string, string>> | undefined,
  record: ExplainRecord,
): Record<string, string> {
  return { ...labels, [RECORD_LABEL]: serializeRecord(record) };
}
