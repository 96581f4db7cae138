/**
 * The engine's tfjs entry point. Engine code uses the functional ops (tf.add(a, b)), never the
 * chained tensor methods, which tfjs-core registers only in some of its builds.
 */
export * from '@tensorflow/tfjs-core';
