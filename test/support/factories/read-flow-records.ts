import {
  createFlowReadStats,
  type FlowReadOptions,
  readFlowRecords,
  type SourcedFlowRecord,
} from '../../../src/flow-files/flow-file-reader';

/** Every record of `inputs`, read as the files flow source reads them, with the read statistics. */
export async function readAllFlowRecords(inputs: string[], options: FlowReadOptions = {}) {
  const stats = createFlowReadStats();
  const records: SourcedFlowRecord[] = [];
  for await (const record of readFlowRecords(inputs, { ...options, stats })) records.push(record);
  return { records, stats };
}
