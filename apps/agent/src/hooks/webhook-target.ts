/** A webhook URL split for sending and for showing. */
export interface WebhookTarget {
  /** What is requested: the URL without `user:password@` (fetch refuses credentials in a URL). */
  url: string;
  /** `Basic …` from the URL's `user:password@`, or null. */
  authorization: string | null;
  /** What logs, errors and metrics may show: no password, no query value (tokens ride there). */
  shown: string;
  /** `text` (an error message) with the URL, in any form it was given or sent, and the password hidden. */
  redact(text: string): string;
}

/** The URL as it may be shown: `user:password@` becomes `***@`, each query value `***`. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '(an invalid URL)';
  }
  if (url.username !== '' || url.password !== '') {
    url.username = '***';
    url.password = '';
  }
  const names = [...url.searchParams.keys()];
  url.search = names.length === 0 ? '' : `?${names.map((n) => `${encodeURIComponent(n)}=***`).join('&')}`;
  return url.href;
}

/** Splits a configured webhook URL (validated by the config schema) into what is sent and what is shown. */
export function webhookTarget(raw: string): WebhookTarget {
  const url = new URL(raw);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  const authorization =
    user === '' && password === '' ? null : `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const shown = redactUrl(raw);
  const urls = [raw, new URL(raw).href, url.href];
  const passwords = [password, encodeURIComponent(password)].filter((p) => p !== '');
  return {
    url: url.href,
    authorization,
    shown,
    redact: (text) =>
      passwords.reduce(
        (out, secret) => out.replaceAll(secret, '***'),
        urls.reduce((out, u) => out.replaceAll(u, shown), text),
      ),
  };
}
