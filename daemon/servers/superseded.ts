/** Thrown when a run was superseded by a stop/restart/remove; not an error to report. */
export class Superseded extends Error {}
