/**
 * The HTML shell of the UI's pages: no script from elsewhere, no CDN.
 *
 * @module
 */

/**
 * A complete HTML page.
 *
 * @param title The page's title, after "Symphony".
 * @param body The body's HTML, trusted (written by this server, never from a request).
 * @returns The page.
 */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title === "" ? "Symphony" : `Symphony — ${title}`}</title>
</head>
<body>
${body}
</body>
</html>
`;
}
