import { parse as parseLossless } from 'lossless-json';
import stripJsonComments from 'strip-json-comments';

/**
 * A test file of ksqlDB's corpus, read with its numbers as written. Upstream files may hold `//` and
 * `/* *\/` comments (attr.json does), which JSON does not: they are taken out first, with their
 * positions kept blank, so a parse error still points at the right place.
 */
export const parseCorpusJson = (text: string): unknown => parseLossless(stripJsonComments(text, { whitespace: true }));
