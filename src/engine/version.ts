import pkg from '../../package.json';

/** The app's version, recorded in every profile it writes. */
export const APP_VERSION: string = pkg.version;
