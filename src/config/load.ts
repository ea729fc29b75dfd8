// Finds and reads config.yml: --config FILE, else $TELEPRESENCE_CONFIG, else the default path
// ($XDG_CONFIG_HOME or ~/.config, then telepresence/config.yml). Only the default may be missing.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { type Config, defaultConfig, freeze } from './config.js';
import { readBoundedText, readFailure } from './read-file.js';
import { checkConfigDocument } from './schema.js';
import { checkStructure, describeYamlError, firstAlias, MAX_ALIAS_COUNT } from './yaml-errors.js';

export interface ConfigLocation {
  path: string;
  /** Where the path came from, for messages: '--config', 'TELEPRESENCE_CONFIG' or 'default'. */
  origin: '--config' | 'TELEPRESENCE_CONFIG' | 'default';
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'telepresence', 'config.yml');
}

export function locateConfig(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ConfigLocation {
  if (flag) return { path: flag, origin: '--config' };
  if (env.TELEPRESENCE_CONFIG) return { path: env.TELEPRESENCE_CONFIG, origin: 'TELEPRESENCE_CONFIG' };
  return { path: defaultConfigPath(env), origin: 'default' };
}

export interface LoadConfigOptions {
  /** The value of --config, if given. */
  flag?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const location = locateConfig(options.flag, options.env ?? process.env);
  const defaults = defaultConfig(options.platform ?? process.platform);
  let text: string;
  try {
    text = readBoundedText(location.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && location.origin === 'default') return defaults;
    const why = readFailure(err);
    const fix = location.origin === 'default' ? 'fix or remove it' : `fix ${location.origin} or create the file`;
    throw new ConfigError(`config file ${location.path} (from ${location.origin}) ${why}: ${fix}`);
  }
  return freeze(parseConfigText(location.path, text, defaults));
}

/** Parse and check the text of a config file; `file` is only used in messages. */
export function parseConfigText(file: string, text: string, defaults: Config = defaultConfig()): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const invalid = (why: string): never => {
    throw new ConfigError(`config file ${file}: not valid YAML: ${why}`);
  };
  if (doc.errors.length > 0) invalid(describeYamlError(doc.errors[0], lineCounter));
  const alias = checkStructure(doc, lineCounter);
  if (alias) invalid(alias);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    // With every alias resolvable, only the yaml package's expansion guard is left to throw.
    invalid(`the aliases from ${firstAlias(doc, lineCounter)} on expand to more than ${MAX_ALIAS_COUNT} values: use fewer aliases`);
  }
  return checkConfigDocument(file, value, defaults);
}
