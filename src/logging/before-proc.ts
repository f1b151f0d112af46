/** The process number of a site's `before:` tasks' output (its processes count from 1). */
export const BEFORE_PROC = 0;
