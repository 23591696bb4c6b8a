import type { Config } from '../config/config.js';
import { inPropertiesTerms } from '../config/property-terms.js';

/** The configuration the command loaded: its file's words name settings in messages, its properties are named when refused. */
let loaded: Config | undefined;

/** Set once the command has read its configuration. */
export function configLoaded(config: Config): void { loaded = config; }

/** The configuration the command loaded, if it has. */
export const loadedConfig = (): Config | undefined => loaded;

/** A message about settings, in the words of the configuration file the command read (Confluent's properties file, or ours). */
export const inConfigTerms = (message: string): string => (loaded?.configPath?.endsWith('.properties') ? inPropertiesTerms(message) : message);
