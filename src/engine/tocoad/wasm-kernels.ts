import * as tf from '../tf';

/**
 * Training kernels for the tfjs WASM backend (4.22), written with the backend's own fast ops.
 *
 * - `Conv2DBackpropFilter` is missing from tfjs-backend-wasm; without it no convolution can be trained there. Here it
 *   is im2col by offset: for each of the kh x kw filter taps, the (strided) slice of the padded input is a [K, Cin]
 *   matrix (K = batch x output pixels) and dW[tap] = dy^T [Cout, K] x slice [K, Cin]. One transpose of dy, kh*kw
 *   slices and matrix products in the backend's fast orientation (its transposeA path is ~10x slower).
 * - `Conv2DBackpropInput` exists but is a naive loop (~3 GFLOP/s against ~30 for the XNNPACK forward convolution);
 *   it is replaced by a forward convolution of dy (zero-interleaved for strides > 1) with the spatially flipped,
 *   in/out-swapped filter, or by one matrix product for 1x1 filters. Unusual paddings fall back to the original.
 *
 * Both run a few times as fast as the naive loops; `wasm-kernels.test.ts` checks them against the cpu backend's
 * reference kernels. Register once per process with {@link registerWasmTrainingKernels} (idempotent; a no-op where
 * the wasm backend is not registered).
 */
type Attrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

function convInfo(xShape: number[], filterShape: number[], attrs: Attrs) {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') throw new Error('the wasm training kernels support NHWC only');
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** dW [kh, kw, Cin, Cout] of a 2-D convolution (NHWC), from its input x and the gradient dy of its output. */
export function conv2dBackpropFilterIm2col(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], attrs: Attrs): tf.Tensor4D {
  const info = convInfo(x.shape, filterShape, attrs);
  const { batchSize: n, outHeight: oh, outWidth: ow, inChannels: cin, outChannels: cout, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, bottom, left, right } = info.padInfo;
  return tf.tidy(() => {
    const k = n * oh * ow;
    const dyT = tf.transpose(tf.reshape(dy, [k, cout])) as tf.Tensor2D; // [Cout, K]
    const padded = top || bottom || left || right ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
    const taps: tf.Tensor2D[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        // One tap at a time, its slice freed at once: transient memory stays at one input-sized copy.
        const tap = tf.tidy((): tf.Tensor2D => {
          let slice: tf.Tensor4D;
          if (sh === 1 && sw === 1) {
            slice = padded.shape[1] === oh && padded.shape[2] === ow && i === 0 && j === 0 ? padded : tf.slice(padded, [0, i, j, 0], [n, oh, ow, cin]);
          } else {
            // A 1x1 average pool with the stride subsamples through XNNPACK; the backend's StridedSlice is a slow loop.
            const window = tf.slice(padded, [0, i, j, 0], [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, cin]);
            slice = tf.avgPool(window, 1, [sh, sw], 'valid');
          }
          return tf.matMul(dyT, tf.reshape(slice, [k, cin])); // [Cout, Cin]
        });
        taps.push(tap);
      }
    }
    const stacked = taps.length === 1 ? tf.expandDims(taps[0], 0) : tf.stack(taps); // [kh*kw, Cout, Cin]
    return tf.reshape(tf.transpose(stacked, [0, 2, 1]), [kh, kw, cin, cout]) as tf.Tensor4D;
  });
}

/** Inserts s-1 zeros between rows and columns: [N, H, W, C] -> [N, (H-1)*sh+1, (W-1)*sw+1, C]. */
function zeroInterleave(x: tf.Tensor4D, sh: number, sw: number, outH = (x.shape[1] - 1) * sh + 1, outW = (x.shape[2] - 1) * sw + 1): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const spread = tf.pad(tf.reshape(x, [n, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  const full = tf.reshape(spread, [n, h * sh, w * sw, c]) as tf.Tensor4D;
  return tf.slice(full, [0, 0, 0, 0], [n, outH, outW, c]);
}

/**
 * dx [N, H, W, Cin] of a 2-D convolution (NHWC) from dy and the filter, as a forward convolution. Returns null when
 * the padding is one this formulation does not cover (the caller then uses the original kernel).
 */
export function conv2dBackpropInputByConv(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: [number, number, number, number], attrs: Attrs): tf.Tensor4D | null {
  const info = convInfo(inputShape, filter.shape, attrs);
  const { batchSize: n, inHeight: ih, inWidth: iw, outHeight: oh, outWidth: ow, inChannels: cin, outChannels: cout, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  if (kh === 1 && kw === 1 && top === 0 && left === 0) {
    return tf.tidy(() => {
      const wT = tf.transpose(tf.reshape(filter, [cin, cout])); // [Cout, Cin]
      const v = tf.reshape(tf.matMul(tf.reshape(dy, [n * oh * ow, cout]), wT), [n, oh, ow, cin]) as tf.Tensor4D;
      if (sh === 1 && sw === 1 && oh === ih && ow === iw) return v;
      // Positions the strided forward pass never read get zero gradient.
      const hCover = Math.min(ih, oh * sh);
      const wCover = Math.min(iw, ow * sw);
      const spread = zeroInterleave(v, sh, sw, hCover, wCover);
      return tf.pad(spread, [[0, 0], [0, ih - hCover], [0, iw - wCover], [0, 0]]) as tf.Tensor4D;
    });
  }
  const dilH = (oh - 1) * sh + 1;
  const dilW = (ow - 1) * sw + 1;
  const pt = kh - 1 - top;
  const pl = kw - 1 - left;
  const pb = ih - dilH - pt + kh - 1;
  const pr = iw - dilW - pl + kw - 1;
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) return null;
  return tf.tidy(() => {
    const spread = zeroInterleave(dy, sh, sw);
    return tf.conv2d(spread, flipSwapFilter(filter), 1, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
  });
}

/**
 * [kh, kw, Cin, Cout] -> spatially reversed [kh, kw, Cout, Cin]. Done on the host: the backend's Reverse and Unpack
 * are slow loops (~90 ms for a 3x3x512x512 filter against ~10 ms here), and filters are small next to activations.
 */
function flipSwapFilter(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, cin, cout] = filter.shape;
  const src = filter.dataSync() as Float32Array;
  const out = new Float32Array(src.length);
  const taps = kh * kw;
  const plane = cin * cout;
  for (let t = 0; t < taps; t++) {
    const s = t * plane;
    const d = (taps - 1 - t) * plane;
    for (let c = 0; c < cin; c++) {
      const row = s + c * cout;
      for (let o = 0; o < cout; o++) out[d + o * cin + c] = src[row + o];
    }
  }
  return tf.tensor4d(out, [kh, kw, cout, cin]);
}

/** Kernel inputs are tensors when they come from ops; wrap a bare TensorInfo just in case. */
function asTensor<T extends tf.Tensor>(info: tf.TensorInfo | undefined): T {
  if (!info) throw new Error('missing kernel input');
  return (info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info)) as T;
}

let registered = false;

/** Registers (or replaces) the wasm training kernels. Safe to call many times. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  if (!tf.findBackendFactory('wasm')) return;
  const original = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs }) => {
        const a = attrs as unknown as Attrs & { filterShape: [number, number, number, number] };
        return conv2dBackpropFilterIm2col(asTensor(inputs.x), asTensor(inputs.dy), a.filterShape, a);
      },
    });
  }
  if (original) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({
      kernelName: 'Conv2DBackpropInput',
      backendName: 'wasm',
      kernelFunc: (args) => {
        const a = args.attrs as unknown as Attrs & { inputShape: [number, number, number, number] };
        const out = conv2dBackpropInputByConv(asTensor(args.inputs.dy), asTensor(args.inputs.filter), a.inputShape, a);
        return out ?? original.kernelFunc(args);
      },
      setupFunc: original.setupFunc,
      disposeFunc: original.disposeFunc,
    });
  }
  registered = true;
}
