/**
 * Multi-layer tracking: following a recipient past the click onto the marketer's own site.
 *
 * When a campaign tracks beyond the click, the click redirect appends `pgn_t=<recipient token>`
 * to the landing URL (appendTrackingParam). The marketer's pages include
 *
 *   <script src="<TRACKING_BASE_URL>/p.js" async></script>
 *
 * and that script (pageTrackingScript, served as application/javascript):
 *   - takes `pgn_t` from location.search (else from sessionStorage, else from the first-party
 *     cookie `pgn_t`), and does nothing at all when there is no well-formed token;
 *   - keeps it in sessionStorage and in the cookie `pgn_t` (path=/, 30 minutes, renewed on each
 *     page) so the path continues across the pages of that site;
 *   - removes `pgn_t` from the visible URL with history.replaceState (no token in bookmarks,
 *     shared links or analytics);
 *   - reports the page view:  <base>/v/<token>?u=<page URL without pgn_t>&r=<referrer>
 *   - reports each click on an <a href> (capture phase):  <base>/v/<token>?u=<href>&k=1
 * Reports go with navigator.sendBeacon (a POST with an empty body), or, where that is missing or
 * refuses, an Image GET of the same URL: the /v/ endpoint must accept both.
 *
 * The script is ES5, dependency-free and under 2 KB; every step is guarded so it can never break
 * the host page.
 */

export const TRACKING_PARAM = 'pgn_t';

// Kept hand-minified (ES5, no build step) to stay small; the test runs it against a fake DOM.
const SCRIPT = `(function(w){try{
var B=__BASE__,K='pgn_t',d=w.document,l=w.location,t=null,m;
function ok(v){return typeof v=='string'&&/^[A-Za-z0-9_-]{20,2048}$/.test(v)}
function strip(u){var h='',i=u.indexOf('#'),q,o=[],j;if(i>=0){h=u.slice(i);u=u.slice(0,i)}i=u.indexOf('?');if(i<0)return u+h;q=u.slice(i+1).split('&');for(j=0;j<q.length;j++)if(q[j]&&q[j].split('=')[0]!=K)o.push(q[j]);return u.slice(0,i)+(o.length?'?'+o.join('&'):'')+h}
m=/[?&]pgn_t=([^&#]*)/.exec(l.search||'');
if(m){try{t=decodeURIComponent(m[1])}catch(e){}try{w.history.replaceState(w.history.state,'',strip(l.href))}catch(e){}}
if(!ok(t)){t=null;try{t=w.sessionStorage.getItem(K)}catch(e){}if(!ok(t)){m=/(?:^|;\\s*)pgn_t=([^;]*)/.exec(d.cookie||'');t=m&&m[1]}}
if(!ok(t))return;
try{w.sessionStorage.setItem(K,t)}catch(e){}
try{d.cookie=K+'='+t+';path=/;max-age=1800;SameSite=Lax'+(l.protocol=='https:'?';Secure':'')}catch(e){}
function send(u,x){var v=B+'/v/'+t+'?u='+encodeURIComponent(strip(u))+x,n=w.navigator;try{if(n&&n.sendBeacon&&n.sendBeacon(v))return}catch(e){}try{new w.Image().src=v}catch(e){}}
send(l.href,'&r='+encodeURIComponent(strip(d.referrer||'')));
d.addEventListener('click',function(e){var a=e.target;while(a&&!(a.tagName&&a.tagName.toUpperCase()=='A'&&a.href))a=a.parentNode;if(a&&!/^\\s*javascript:/i.test(a.href))send(String(a.href),'&k=1')},true)
}catch(e){}})(window);
`;

/** The base URL as a JS string literal, safe inside a script (no </script>, no U+2028/9). */
function jsString(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The /p.js body for a tracking base URL (e.g. https://t.example.com or https://api.example.com/t). */
export function pageTrackingScript(baseUrl: string): string {
  if (!/^https?:\/\/[^\s/?#]+[^\s?#]*$/i.test(baseUrl)) throw new TypeError('The tracking base URL must be an http(s) URL without query or fragment');
  return SCRIPT.replace('__BASE__', () => jsString(baseUrl.replace(/\/+$/, '')));
}

/**
 * Adds pgn_t=<token> to an http(s) URL's query (replacing any pgn_t already there), keeping the
 * rest of the URL as written (no re-encoding), the fragment included. Any other scheme (mailto:, tel:, …) and
 * anything that is not an absolute http(s) URL is returned unchanged.
 */
export function appendTrackingParam(url: string, token: string): string {
  if (!/^https?:\/\//i.test(url)) return url;
  const hashAt = url.indexOf('#');
  const fragment = hashAt >= 0 ? url.slice(hashAt) : '';
  const beforeHash = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const queryAt = beforeHash.indexOf('?');
  const path = queryAt >= 0 ? beforeHash.slice(0, queryAt) : beforeHash;
  const params = queryAt >= 0 ? beforeHash.slice(queryAt + 1).split('&') : [];
  const kept = params.filter((p) => p.split('=')[0] !== TRACKING_PARAM);
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  kept.push(`${TRACKING_PARAM}=${encodeURIComponent(token)}`);
  return `${path}?${kept.join('&')}${fragment}`;
}
