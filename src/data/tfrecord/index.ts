// TFRecord files without TensorFlow: framing with CRC-32C checks, tf.train.Example parsing, and
// the WebVid frame shards + index of docs/DATA.md §4.
export { readRecordAt, writeRecords, frameRecord, type ReadRecordOptions } from './tfrecord.js';
export { parseExample, encodeBytesExample, type Feature } from './example-proto.js';
export {
  readWebvidIndex,
  readWebvidFrames,
  writeWebvidShards,
  webvidShardName,
  WebvidShardWriter,
  type WebvidLocation,
} from './webvid-shards.js';
export { crc32c, maskedCrc32c } from './crc32c.js';
