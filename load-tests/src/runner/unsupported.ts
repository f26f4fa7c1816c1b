/** Thrown at load time (or at first use, for members read dynamically) for anything outside the supported k6 subset. */
export class UnsupportedApiError extends Error {
  constructor(api: string) {
    super(
      `unsupported k6 API: ${api} is not implemented by the pod-shell k6 runner (load-tests/README.md lists the subset; run this script with the real k6)`,
    );
    this.name = 'UnsupportedApiError';
  }
}
