/**
 * PyTorch / safetensors checkpoint conversion: pure functions (bytes in, tensors or backbone files
 * out, progress callbacks), with no Node built-ins, for the CLI and the app's Web Worker alike.
 */
export { convertCheckpoint, readResNetCheckpoint, defaultBackboneId } from './convert';
export type { CheckpointWeights, ConversionReport, ConversionResult, ConvertOptions } from './convert';
export { readCheckpoint, sniffCheckpoint } from './checkpoint';
export type { Checkpoint, CheckpointFormat } from './checkpoint';
export { readPth } from './pth';
export type { ProgressCallback } from './pth';
export { readSafetensors, writeSafetensors, MAX_HEADER_BYTES } from './safetensors';
export type { SafetensorsFile, SafetensorsInput, SafetensorsTensor } from './safetensors';
export { findStateDict } from './state-dict';
export type { StateDict } from './state-dict';
export { validateResNet, inferLayout, describeLayout, expectedShapes, TORCHVISION_LAYOUTS } from './resnet-layout';
export type { ResNetLayout, ValidatedWeights } from './resnet-layout';
export { packBackbone, convertedSpec } from './to-backbone';
export type { BackboneFile, PackedBackbone } from './to-backbone';
export { toFloat32, DTYPE_BYTES } from './dtypes';
export type { RawTensor, TensorDType } from './dtypes';
export { CheckpointError } from './errors';
