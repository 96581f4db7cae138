/** Evaluation metrics shared by the worker and the CLI (no DOM, no Node built-ins). */
export { auroc, rocCurve, type RocCurve } from './auroc';
export { f1Max, confusionAt, type F1Max, type Confusion } from './f1';
export { aupro } from './aupro';
export { connectedComponents, type Components } from './connected-components';
