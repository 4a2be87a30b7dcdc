// Drives Xsolla's official Login JS SDK (@xsolla/login-sdk, its browser build dist/sdk.js) inside
// jsdom against the conformance mock, through every public method of its `Api` class that sends a
// request. Run by `cargo xtask vendor-sdk`; not meant to be run by hand.
//
// Usage: node xsolla.cjs <installed npm folder> <mock base URL> <credentials JSON> <report file>
// (the file is named for the API in spec/registry.toml whose mock it drives)
//
// The page's origin is the mock's, so the SDK's XMLHttpRequests are same-origin (no CORS in the
// way). Every request the SDK sends is recorded (method, URL, status) from inside the page; the
// report is one JSON object the xtask checks against the spec: each recorded exchange must match a
// spec operation and answer one of its documented 2xx statuses.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const [npmArg, baseUrl, credentialsJson, reportFile] = process.argv.slice(2);
const npmDir = path.resolve(npmArg || '.');
if (!reportFile) {
  console.error('usage: node xsolla.cjs NPM_DIR MOCK_URL CREDENTIALS_JSON REPORT_FILE');
  process.exit(2);
}
// The user JWT the mock issued at start (the session of a signed-in player).
const userJwt = JSON.parse(credentialsJson).userJwt;
const { JSDOM } = require(path.join(npmDir, 'node_modules', 'jsdom'));
const sdkDir = path.join(npmDir, 'node_modules', '@xsolla', 'login-sdk');
const sdkVersion = JSON.parse(fs.readFileSync(path.join(sdkDir, 'package.json'), 'utf8')).version;

// One page per flow: the SDK merges every Api's configuration into one module-level default
// object, so once an OAuth 2.0 client is configured every later Api of that page takes the OAuth
// 2.0 paths. A fresh page per flow keeps the JWT flow's calls on the JWT paths.
const exchanges = [];
const sdkSource = fs.readFileSync(path.join(sdkDir, 'dist', 'sdk.js'), 'utf8');
const windows = [];
function loadSdk() {
  const dom = new JSDOM('<!doctype html><html><body></body></html>', {
    url: `${baseUrl}/`,
    runScripts: 'outside-only',
  });
  const { window } = dom;
  windows.push(window);
  // Record every exchange from inside the page, whatever the SDK's HTTP library does with it.
  const Xhr = window.XMLHttpRequest;
  const open = Xhr.prototype.open;
  const send = Xhr.prototype.send;
  Xhr.prototype.open = function (method, url, ...rest) {
    this.__gamespec = { method: String(method).toUpperCase(), url: String(url) };
    return open.call(this, method, url, ...rest);
  };
  Xhr.prototype.send = function (body) {
    const entry = { ...this.__gamespec, body: typeof body === 'string' ? body : null, status: 0 };
    exchanges.push(entry);
    this.addEventListener('loadend', () => {
      entry.status = this.status;
    });
    return send.call(this, body);
  };
  window.eval(sdkSource);
  return window.XsollaLogin.Api;
}
const flows = { jwt: loadSdk(), oauth2: loadSdk() };
const Api = flows.jwt;

// Valid inputs, as an integrating game would pass them.
const projectId = '5883ebbd-55bf-4917-9668-293aa8d1e6af';
const jwtConfig = {
  projectId,
  apiUrl: baseUrl,
  callbackUrl: 'https://game.example.com/login/callback',
  fullLocale: 'en-US',
};
const oauthConfig = {
  projectId,
  apiUrl: baseUrl,
  clientId: 5821,
  responseType: 'code',
  redirectUri: 'https://game.example.com/oauth/callback',
  state: 'xk3v9QbT2mLp',
  scope: 'offline',
};

// Every public method of Api that sends a request, with the variants the SDK's configuration
// selects (the JWT flow, and the OAuth 2.0 flow once a client is configured).
const calls = [
  ['signup', 'jwt', (a) => a.signup({ userInfo: { username: 'nova_rider', password: 'Kestrel-42-Orbit', email: 'nova_rider@example.com' } })],
  ['signup', 'oauth2', (a) => a.signup({ userInfo: { username: 'nova_rider', password: 'Kestrel-42-Orbit', email: 'nova_rider@example.com' } })],
  ['login', 'jwt', (a) => a.login({ credentials: { username: 'nova_rider', password: 'Kestrel-42-Orbit' } })],
  ['login', 'oauth2', (a) => a.login({ credentials: { username: 'nova_rider', password: 'Kestrel-42-Orbit' } })],
  ['reset', 'jwt', (a) => a.reset({ username: 'nova_rider' })],
  ['set', 'jwt', (a) => a.set({ user_id: 'dcdad3cf-02c5-429c-97ea-2fb3a8b2b41a', code: '7439', newPassword: 'Kestrel-43-Orbit' })],
  ['getConfirmCode', 'jwt', (a) => a.getConfirmCode({ cancelToken: {}, login: 'nova_rider@example.com', operation_id: 'f9d2c7e1a0' })],
  ['getSocialLink', 'jwt', (a) => a.getSocialLink('google')],
  ['getSocialLink', 'oauth2', (a) => a.getSocialLink('google')],
  ['phoneGetCode', 'jwt', (a) => a.phoneGetCode({ isOauth2: false, phone_number: '+14155550123', link_url: 'https://game.example.com/confirm' })],
  ['phoneGetCode', 'oauth2', (a) => a.phoneGetCode({ isOauth2: true, phone_number: '+14155550123', link_url: 'https://game.example.com/confirm' })],
  ['loginWithPhoneCode', 'jwt', (a) => a.loginWithPhoneCode({ isOauth2: false, phone_number: '+14155550123', code: '7439', operation_id: 'f9d2c7e1a0' })],
  ['loginWithPhoneCode', 'oauth2', (a) => a.loginWithPhoneCode({ isOauth2: true, phone_number: '+14155550123', code: '7439', operation_id: 'f9d2c7e1a0' })],
  ['emailGetCode', 'jwt', (a) => a.emailGetCode({ isOauth2: false, email: 'nova_rider@example.com', link_url: 'https://game.example.com/confirm' })],
  ['emailGetCode', 'oauth2', (a) => a.emailGetCode({ isOauth2: true, email: 'nova_rider@example.com', link_url: 'https://game.example.com/confirm' })],
  ['loginWithEmailCode', 'jwt', (a) => a.loginWithEmailCode({ isOauth2: false, email: 'nova_rider@example.com', code: '7439', operation_id: 'f9d2c7e1a0' })],
  ['loginWithEmailCode', 'oauth2', (a) => a.loginWithEmailCode({ isOauth2: true, email: 'nova_rider@example.com', code: '7439', operation_id: 'f9d2c7e1a0' })],
  ['resendEmail', 'jwt', (a) => a.resendEmail('nova_rider')],
  ['resendEmail', 'oauth2', (a) => a.resendEmail('nova_rider')],
  ['checkUserAuthSSO', 'jwt', (a) => a.checkUserAuthSSO()],
  ['logout', 'oauth2', (a) => a.logout(userJwt, 'sso')],
  ['oauth2ConsentValidate', 'oauth2', (a) => a.oauth2ConsentValidate(userJwt)],
  ['oauth2PostConsent', 'oauth2', (a) => a.oauth2PostConsent(userJwt, true)],
  ['clearSSO', 'oauth2', (a) => a.clearSSO()],
];

// Public methods that are not called, and why. A method of a new SDK version that is in neither
// list fails the run, so the list stays complete.
const notCalled = {
  getConfig: 'sends no request (returns the configuration)',
  updateConfig: 'sends no request (merges configuration)',
  oauth2Auth: 'sends no request: navigates window.top to /oauth2/auth (the redirect flow)',
  fetchConfig: 'reads the widget settings from cdn.xsolla.net and GET /client/details and /widget/ng/settings, which are widget endpoints outside the Login API reference',
  agreement: 'PUT /social/consent is not in Xsolla\'s public Login API reference',
  pushConfirmCode: 'GET /otc/push is not in Xsolla\'s public Login API reference',
  ask: 'POST /token/update and /oauth2/user/ask are not in Xsolla\'s public Login API reference',
  getAskFields: 'GET /users/me/ask is not in Xsolla\'s public Login API reference',
  otpLogin: 'GET /otp/validate is not in Xsolla\'s public Login API reference',
  otpResendCode: 'PUT /otp/resend is not in Xsolla\'s public Login API reference',
  oneTapLogin: 'POST /social/{provider}/one_tap/complete is not in Xsolla\'s public Login API reference',
  userAuthSSOWithRedirect: 'GET /jwt/sso/redirect is not in Xsolla\'s public Login API reference',
};

async function main() {
  const methods = Object.getOwnPropertyNames(Api.prototype).filter((m) => m !== 'constructor');
  const called = new Set(calls.map(([m]) => m));
  const unlisted = methods.filter((m) => !called.has(m) && !(m in notCalled));
  const results = [];
  for (const [method, variant, invoke] of calls) {
    const api = new flows[variant](variant === 'oauth2' ? oauthConfig : jwtConfig);
    const first = exchanges.length;
    let error = null;
    try {
      await invoke(api);
    } catch (e) {
      error = String((e && (e.message || e.code)) || e);
    }
    results.push({ method, variant, error, exchanges: exchanges.slice(first) });
  }
  const report = {
    sdk: `@xsolla/login-sdk@${sdkVersion}`,
    methods,
    unlisted,
    not_called: notCalled,
    results,
  };
  fs.writeFileSync(reportFile, JSON.stringify(report, null, 2));
  windows.forEach((w) => w.close());
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
