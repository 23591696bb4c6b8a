import { inPropertiesTerms } from '../config/property-terms.js';

/** Whether the command's configuration is Confluent's ksql-migrations.properties: its messages name that file's keys. */
let fromPropertiesFile = false;

/** Set once the command has read its configuration. */
export function configuredByProperties(yes: boolean): void { fromPropertiesFile = yes; }

/** A message about settings, in the words of the configuration file the command read. */
export const inConfigTerms = (message: string): string => (fromPropertiesFile ? inPropertiesTerms(message) : message);
