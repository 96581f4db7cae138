/** Where the browser for the end-to-end tests is: $CHROMIUM_PATH, else Debian's chromium. */
export function chromiumPath(): string;
