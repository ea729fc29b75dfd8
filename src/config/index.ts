// The config layer's public face: resolved config types, the loader and the flag overlay.
export * from './config.js';
export { defaultConfigPath, loadConfig, locateConfig, parseConfigText } from './load.js';
export type { ConfigLocation, LoadConfigOptions } from './load.js';
export { formatDuration, parseDuration } from './duration.js';
export * from './session-options.js';
export { packageVersion } from './version.js';
export { proxyImage } from './proxy-image.js';
