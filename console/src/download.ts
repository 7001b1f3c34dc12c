/**
 * Saves a presigned download under a readable name. The files live on another origin (S3), where
 * `<a download>` is ignored and a CSV would open as text in the tab, so the bytes are fetched
 * and handed to the browser as a local blob; if that is refused (CORS), the URL is opened instead.
 */
export async function saveFromUrl(url: string, fileName: string): Promise<void> {
  let blob: Blob;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    blob = await response.blob();
  } catch {
    window.open(url, '_blank', 'noopener');
    return;
  }
  const href = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // Give the browser time to start reading before the blob goes.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
