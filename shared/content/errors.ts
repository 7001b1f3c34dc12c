/**
 * A failure that concerns one recipient only (their PDF password field is empty, their EAN-13
 * value is not a valid code, their fields break a filter). The mail worker records it as that
 * recipient's permanent failure, with `code` and `message`, and carries on with the batch.
 */
export class RecipientRenderError extends Error {
  override readonly name = 'RecipientRenderError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
