/** Which model (and version) a call addresses. */
export interface ModelRef {
  name: string;
  version?: string | undefined;
}
