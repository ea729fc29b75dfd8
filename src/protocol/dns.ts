// The DNS probes (Telepresence 1): the workstation asks `hellotelepresence<anything>.<suffix>`, the
// pod learns <suffix> as one of the workstation's search suffixes (and strips it from later names).

export const PROBE_PREFIX = 'hellotelepresence';
/** The pod answers every probe, whatever the question's type, with one A record of this address. */
export const PROBE_ANSWER = '127.0.0.1';
/** A probe under this suffix (or `.sanity.check.<it>.` in the name) is NXDOMAIN and teaches nothing. */
export const PROBE_SANITY_CHECK_SUFFIX = 'telepresence.io';
