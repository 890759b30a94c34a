/**
 * A line for the next page to show once: an action that leaves its own page (a removed task's page
 * is gone) says what it did where the user lands.
 */
export class PageNotice {
  #message: string | null = null;

  set(message: string): void {
    this.#message = message;
  }

  /** The message, once: a later visit to the page does not repeat it. */
  take(): string | null {
    const message = this.#message;
    this.#message = null;
    return message;
  }
}
