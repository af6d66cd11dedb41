/*! privacybot chat widget.
 * Embed with one tag on any site:
 *   <script src="https://BOT-HOST/widget.js" defer data-policy="mcmeet" data-lang="zh"
 *           data-title="隐私助手" data-accent="#0a7" data-position="left"></script>
 * Plain JavaScript, no dependencies, no external resources. The widget lives in an open
 * Shadow DOM so the host page's CSS cannot reach it, and everything it shows (questions,
 * answers, messages) is set with textContent: nothing from a visitor or the API is parsed as
 * HTML. Errors never escape into the host page.
 */
(function () {
  'use strict';

  var SCRIPT = document.currentScript || findScript();

  function findScript() {
    var all = document.getElementsByTagName('script');
    for (var i = all.length - 1; i >= 0; i--) {
      if (/\/widget\.js(?:[?#].*)?$/.test(all[i].getAttribute('src') || '')) return all[i];
    }
    return null;
  }

  // Accessible names fixed in both languages (a host page may mix languages).
  var LAUNCHER_LABEL = '隐私政策助手 / Privacy assistant';
  var CLOSE_LABEL = '关闭 / Close';
  var INPUT_LABEL = '输入问题 / Your question';
  var UP_LABEL = '有帮助 / Helpful';
  var DOWN_LABEL = '没帮助 / Not helpful';
  var MAX_QUESTION = 500;
  var TIMEOUT_MS = 15000;
  var MAX_ITEMS = 60; // kept in sessionStorage
  var REASONS = ['wrong_clause', 'not_answered', 'unclear', 'other'];
  // Icons after Feather (MIT licence, feathericons.com).
  var THUMB_UP = 'M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3';
  var THUMB_DOWN = 'M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17';

  var STRINGS = {
    zh: {
      title: '隐私政策助手',
      greeting: '您好！请问关于隐私政策的问题，我会引用回答它的条款原文，并附上链接。',
      tryThese: '试试这些问题：',
      placeholder: '输入您的问题…',
      send: '发送',
      framing: function (a) { return '根据《' + a.policy_title + '》：'; },
      version: function (d) { return d + ' 版'; },
      open: '查看原文',
      more: function (n) { return '更多相关条款（' + n + '）'; },
      less: '收起',
      showAll: '展开全文',
      showLess: '收起全文',
      typing: '正在查找条款…',
      helpful: '这个回答有帮助吗？',
      thanks: '谢谢反馈',
      reasonLegend: '哪里不好？（可选）',
      reasons: { wrong_clause: '条款不对', not_answered: '没回答我的问题', unclear: '看不懂', other: '其他' },
      comment: '补充说明（可选）',
      sendFeedback: '提交',
      feedbackFailed: '反馈没有发送成功，请再试一次。',
      network: '无法连接服务器',
      rate: function (n) { return n ? '提问太频繁，请 ' + n + ' 秒后再试' : '提问太频繁，请稍后再试'; },
      interrupted: '页面刷新了，回答没有收到',
      retry: '重试',
      fallback: ['怎么注销账号？', '会收集我的位置信息吗？', '会把我的信息分享给第三方吗？']
    },
    // Traditional Chinese written by hand in Taiwan usage (帳號, 註銷, 連結, 資料), not converted.
    'zh-Hant': {
      title: '隱私政策助理',
      greeting: '您好！請問有關隱私政策的問題，我會引用回答問題的條款原文，並附上連結。',
      tryThese: '試試這些問題：',
      placeholder: '輸入您的問題…',
      send: '送出',
      framing: function (a) { return '根據《' + a.policy_title + '》：'; },
      version: function (d) { return d + ' 版'; },
      open: '查看原文',
      more: function (n) { return '更多相關條款（' + n + '）'; },
      less: '收合',
      showAll: '展開全文',
      showLess: '收合全文',
      typing: '正在搜尋條款…',
      helpful: '這個回答有幫助嗎？',
      thanks: '謝謝您的回饋',
      reasonLegend: '哪裡不好？（選填）',
      reasons: { wrong_clause: '條款不對', not_answered: '沒有回答我的問題', unclear: '看不懂', other: '其他' },
      comment: '補充說明（選填）',
      sendFeedback: '送出',
      feedbackFailed: '回饋沒有送出，請再試一次。',
      network: '無法連線到伺服器',
      rate: function (n) { return n ? '提問太頻繁，請 ' + n + ' 秒後再試' : '提問太頻繁，請稍後再試'; },
      interrupted: '頁面重新整理了，沒有收到回答',
      retry: '重試',
      fallback: ['怎麼註銷帳號？', '會蒐集我的位置資訊嗎？', '會把我的資料分享給第三方嗎？']
    },
    en: {
      title: 'Privacy assistant',
      greeting: 'Hi! Ask me about the privacy policy: I answer with the clause that says it, quoted word for word, and a link.',
      tryThese: 'Try one of these:',
      placeholder: 'Type your question…',
      send: 'Send',
      framing: function (a) { return 'From the ' + a.product + ' privacy policy:'; },
      version: function (d) { return 'version of ' + d; },
      open: 'Open clause',
      more: function (n) { return 'More related clauses (' + n + ')'; },
      less: 'Less',
      showAll: 'Show the whole clause',
      showLess: 'Show less',
      typing: 'Looking for the clause…',
      helpful: 'Did this help?',
      thanks: 'Thanks for the feedback',
      reasonLegend: 'What was wrong? (optional)',
      reasons: { wrong_clause: 'Wrong clause', not_answered: "Didn't answer my question", unclear: 'Hard to understand', other: 'Other' },
      comment: 'Anything to add? (optional)',
      sendFeedback: 'Send',
      feedbackFailed: "The feedback wasn't sent; please try again.",
      network: "Can't reach the server",
      rate: function (n) { return n ? 'Too many questions, try again in ' + n + ' s' : 'Too many questions, try again in a moment'; },
      interrupted: "The page was reloaded before the answer arrived",
      retry: 'Retry',
      fallback: ['How do I delete my account?', 'Do you share my data with advertisers?', 'Where is my data stored?']
    }
  };

  var STYLE = [
    ':host { all: initial !important; }',
    '[hidden] { display: none !important; }',
    '.root { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif;',
    '  font-size: 15px; line-height: 1.55; color: #1f2937; text-align: left; direction: ltr;',
    '  -webkit-text-size-adjust: 100%; text-size-adjust: 100%; letter-spacing: normal;',
    '  -webkit-tap-highlight-color: rgba(0,0,0,.06); }',
    '.root *, .root *::before, .root *::after { box-sizing: border-box; }',
    'button, input, textarea { font: inherit; color: inherit; letter-spacing: normal; }',
    'button { cursor: pointer; }',
    'button:disabled { cursor: default; }',
    '.root :focus-visible { outline: 3px solid var(--pb-ink); outline-offset: 2px; }',
    /* launcher */
    '.launcher { position: fixed; bottom: 20px; right: 20px; z-index: 2147483000; width: 56px; height: 56px;',
    '  margin: 0; padding: 0; border: 0; border-radius: 50%; background: var(--pb-accent); color: var(--pb-on-accent);',
    '  box-shadow: 0 4px 14px rgba(0,0,0,.28); display: flex; align-items: center; justify-content: center; }',
    '.launcher:hover { filter: brightness(1.08); }',
    '.launcher:focus-visible { outline: 3px solid #111827; outline-offset: 3px; box-shadow: 0 0 0 3px #fff, 0 4px 14px rgba(0,0,0,.28); }',
    '.launcher svg { width: 28px; height: 28px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }',
    '.launcher .i-close { display: none; }',
    '.launcher[aria-expanded="true"] .i-chat { display: none; }',
    '.launcher[aria-expanded="true"] .i-close { display: block; }',
    '.left .launcher { right: auto; left: 20px; }',
    /* panel */
    '.panel { position: fixed; bottom: 88px; right: 20px; z-index: 2147483001; width: 380px; height: 560px;',
    '  max-width: calc(100vw - 40px); max-height: calc(100vh - 108px); display: flex; flex-direction: column;',
    '  background: #fff; border: 1px solid rgba(0,0,0,.08); border-radius: 14px; overflow: hidden;',
    '  box-shadow: 0 12px 40px rgba(0,0,0,.22); }',
    '.left .panel { right: auto; left: 20px; }',
    '@media (max-width: 480px) {',
    '  .panel, .left .panel { top: 0; left: 0; right: 0; bottom: 0; width: 100vw; height: 100vh; height: 100dvh;',
    '    max-width: none; max-height: none; border: 0; border-radius: 0; box-shadow: none; }',
    '}',
    '.head { display: flex; align-items: center; gap: 8px; padding: 8px 8px 8px 16px; flex: none;',
    '  background: var(--pb-accent); color: var(--pb-on-accent); }',
    '.head h2 { flex: 1; min-width: 0; margin: 0; font-size: 16px; font-weight: 600; line-height: 1.3; overflow-wrap: anywhere; }',
    '.close { width: 36px; height: 36px; margin: 0; padding: 0; border: 0; border-radius: 8px; background: transparent;',
    '  color: inherit; display: flex; align-items: center; justify-content: center; }',
    '.close:hover { background: rgba(255,255,255,.18); }',
    '.close:focus-visible { outline: 2px solid var(--pb-on-accent); outline-offset: -4px; }',
    '.close svg { width: 20px; height: 20px; fill: none; stroke: currentColor; stroke-width: 2.2; stroke-linecap: round; }',
    '.log { flex: 1; min-height: 0; overflow-y: auto; overflow-x: hidden; overscroll-behavior: contain; position: relative;',
    '  padding: 12px; background: #f5f6f8; display: flex; flex-direction: column; gap: 10px; }',
    '.log > * { flex: none; }',
    '.log p { margin: 0; }',
    '.welcome { display: flex; flex-direction: column; gap: 8px; color: #374151; }',
    '.hint { font-size: 13px; color: #4b5563; }',
    '.chips { display: flex; flex-wrap: wrap; gap: 6px; }',
    '.chip { margin: 0; padding: 5px 11px; border: 1px solid var(--pb-ink); border-radius: 999px; background: #fff;',
    '  color: var(--pb-ink); font-size: 13px; line-height: 1.4; text-align: left; overflow-wrap: anywhere; }',
    '.chip:hover { background: #f0f4ff; }',
    '.user { align-self: flex-end; max-width: 85%; padding: 8px 12px; border-radius: 14px 14px 4px 14px;',
    '  background: var(--pb-accent); color: var(--pb-on-accent); white-space: pre-wrap; overflow-wrap: anywhere; }',
    '.card { align-self: stretch; padding: 10px 12px; border: 1px solid #e5e7eb; border-radius: 12px; background: #fff;',
    '  overflow-wrap: anywhere; display: flex; flex-direction: column; gap: 5px; }',
    '.frame { color: #374151; }',
    '.path { font-size: 13px; font-weight: 600; color: #111827; }',
    '.message { white-space: pre-line; }',
    'blockquote { margin: 0; padding: 6px 10px; border-left: 3px solid var(--pb-accent); border-radius: 0 6px 6px 0;',
    '  background: #f8fafc; color: #1f2937; font-size: 14px; white-space: pre-line; }',
    'blockquote.clamped { max-height: 10.5em; overflow: hidden;',
    '  -webkit-mask-image: linear-gradient(#000 65%, transparent); mask-image: linear-gradient(#000 65%, transparent); }',
    '.links { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; }',
    'a.open { color: var(--pb-ink); font-weight: 600; text-decoration: underline; text-underline-offset: 2px; }',
    'a.open:hover { text-decoration-thickness: 2px; }',
    '.version { font-size: 12px; color: #6b7280; }',
    '.textbtn { margin: 0; padding: 2px 0; border: 0; background: none; color: var(--pb-ink); font-size: 13px; text-decoration: underline; text-underline-offset: 2px; }',
    '.others { display: flex; flex-direction: column; gap: 10px; padding-top: 6px; border-top: 1px dashed #e5e7eb; }',
    '.other { display: flex; flex-direction: column; gap: 6px; }',
    '.fb { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; padding-top: 2px; font-size: 13px; color: #4b5563; }',
    '.vote { margin: 0; width: 34px; height: 30px; padding: 0; border: 1px solid #d1d5db; border-radius: 8px; background: #fff;',
    '  color: #4b5563; display: inline-flex; align-items: center; justify-content: center; }',
    '.vote svg { width: 17px; height: 17px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }',
    '.vote:hover:not(:disabled) { border-color: var(--pb-ink); }',
    '.vote[aria-pressed="true"] { border-color: var(--pb-ink); background: #eef2ff; color: var(--pb-ink); }',
    '.vote:disabled { opacity: .65; }',
    '.vote[aria-pressed="true"]:disabled { opacity: 1; }',
    '.thanks { color: #047857; font-weight: 600; }',
    '.fb-error { color: #b91c1c; flex-basis: 100%; }',
    '.reason { flex-basis: 100%; margin: 2px 0 0; padding: 8px 10px; border: 1px solid #e5e7eb; border-radius: 8px;',
    '  display: flex; flex-direction: column; gap: 6px; }',
    '.reason fieldset { margin: 0; padding: 0; border: 0; display: flex; flex-wrap: wrap; gap: 4px 12px; }',
    '.reason legend { padding: 0; margin-bottom: 4px; font-weight: 600; color: #374151; }',
    '.reason label { display: inline-flex; align-items: center; gap: 4px; color: #1f2937; }',
    '.reason input[type=radio] { margin: 0; accent-color: var(--pb-ink); }',
    '.reason .clabel { color: #374151; }',
    '.reason textarea { width: 100%; min-height: 54px; resize: vertical; padding: 6px 8px; border: 1px solid #d1d5db;',
    '  border-radius: 6px; background: #fff; color: #111827; font-size: 14px; }',
    '.reason .send-fb { align-self: flex-start; }',
    '.btn { margin: 0; padding: 5px 14px; border: 0; border-radius: 8px; background: var(--pb-accent); color: var(--pb-on-accent); font-size: 14px; }',
    '.btn:focus-visible { outline: 3px solid #111827; outline-offset: 2px; }',
    '.error { align-self: stretch; display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding: 8px 12px;',
    '  border: 1px solid #fecaca; border-radius: 12px; background: #fef2f2; color: #991b1b; overflow-wrap: anywhere; }',
    '.error .btn { background: #b91c1c; color: #fff; }',
    '.typing { align-self: flex-start; display: flex; align-items: center; gap: 8px; padding: 8px 12px; border-radius: 12px;',
    '  background: #fff; border: 1px solid #e5e7eb; color: #4b5563; font-size: 13px; }',
    '.dots { display: inline-flex; gap: 3px; }',
    '.dots i { width: 6px; height: 6px; border-radius: 50%; background: #9ca3af; animation: pb-bounce 1s infinite ease-in-out; }',
    '.dots i:nth-child(2) { animation-delay: .15s; } .dots i:nth-child(3) { animation-delay: .3s; }',
    '@keyframes pb-bounce { 0%, 80%, 100% { transform: translateY(0); opacity: .5; } 40% { transform: translateY(-4px); opacity: 1; } }',
    '@media (prefers-reduced-motion: reduce) { .dots i { animation: none; } }',
    '.form { display: flex; gap: 8px; padding: 8px 10px; flex: none; border-top: 1px solid #e5e7eb; background: #fff; }',
    '.form input { flex: 1; min-width: 0; margin: 0; padding: 9px 12px; border: 1px solid #c7ccd4; border-radius: 10px;',
    '  background: #fff; color: #111827; font-size: 16px; line-height: 1.3; }',
    '.form input::placeholder { color: #6b7280; }',
    '.form input:focus { outline: 2px solid var(--pb-ink); outline-offset: 0; border-color: var(--pb-ink); }',
    '.form .btn { padding: 9px 16px; font-size: 15px; font-weight: 600; }',
    '.form .btn:disabled { opacity: .6; }',
    '.sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }'
  ].join('\n');

  // ---------------------------------------------------------------------------------------
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = String(v);
        else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return el;
  }

  function svg(paths, cls) {
    var NS = 'http://www.w3.org/2000/svg';
    var s = document.createElementNS(NS, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    if (cls) s.setAttribute('class', cls);
    paths.forEach(function (d) {
      var p = document.createElementNS(NS, 'path');
      p.setAttribute('d', d);
      s.appendChild(p);
    });
    return s;
  }

  function str(v) { return v === null || v === undefined ? '' : String(v); }

  function safeHref(url, base) {
    try {
      var u = new URL(str(url), base);
      return (u.protocol === 'http:' || u.protocol === 'https:') ? u.href : null;
    } catch (e) { return null; }
  }

  function pickLang(attr) {
    var v = (attr || '').toLowerCase();
    if (!v) v = ((document.documentElement && document.documentElement.lang) || navigator.language || '').toLowerCase();
    if (v.slice(0, 2) !== 'zh') return 'en';
    // zh-Hant, zh-TW, zh-HK, zh-MO (and zh-Hant-TW …) are written in Traditional characters.
    return /^zh-(hant|tw|hk|mo)\b/.test(v) ? 'zh-Hant' : 'zh';
  }
  var HTML_LANG = { zh: 'zh-CN', 'zh-Hant': 'zh-Hant', en: 'en' };

  // Relative luminance and contrast (WCAG) to pick readable text on the accent colour.
  function rgbOf(color) {
    try {
      var c = document.createElement('canvas');
      c.width = c.height = 1;
      var ctx = c.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, 1, 1);
      ctx.fillStyle = color;
      ctx.fillRect(0, 0, 1, 1);
      var d = ctx.getImageData(0, 0, 1, 1).data;
      return [d[0], d[1], d[2]];
    } catch (e) { return null; }
  }
  function lum(rgb) {
    var a = rgb.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2];
  }
  function contrast(l1, l2) { return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05); }
  function palette(accent) {
    var rgb = rgbOf(accent);
    if (!rgb) return { accent: accent, onAccent: '#fff', ink: accent };
    var L = lum(rgb);
    var onAccent = contrast(L, 1) >= contrast(L, lum([17, 24, 39])) ? '#fff' : '#111827';
    // Links and chips sit on white: darken the accent until it reads (4.5:1).
    var ink = rgb.slice(), f = 1;
    while (contrast(lum(ink), 1) < 4.5 && f > 0.05) {
      f -= 0.05;
      ink = rgb.map(function (v) { return Math.round(v * f); });
    }
    return { accent: accent, onAccent: onAccent, ink: 'rgb(' + ink.join(',') + ')' };
  }

  function retryAfterSeconds(v) {
    v = str(v).trim();
    if (/^\d+$/.test(v)) return parseInt(v, 10);
    var t = Date.parse(v);
    return isNaN(t) ? 0 : Math.max(1, Math.ceil((t - Date.now()) / 1000));
  }

  // ---------------------------------------------------------------------------------------
  function init() {
    if (window.PrivacyBot && window.PrivacyBot.mounted) return;
    var src = SCRIPT && SCRIPT.src;
    if (!src) { console.warn('privacybot widget: cannot find its own <script src>'); return; }
    var srcUrl = new URL(src, location.href);
    var API = srcUrl.origin + srcUrl.pathname.replace(/\/[^\/]*$/, '');
    var data = SCRIPT.dataset || {};
    var lang = pickLang(data.lang);
    var T = STRINGS[lang];
    var policy = str(data.policy).trim() || null;
    var title = str(data.title).trim() || T.title;
    var accent = '#2563eb';
    if (data.accent && window.CSS && CSS.supports && CSS.supports('color', data.accent)) accent = data.accent;
    var left = str(data.position).toLowerCase() === 'left';
    var KEY = 'privacybot:v1:' + API + '|' + (policy || '*');

    // --- state (sessionStorage) --------------------------------------------------------------
    var state = load();
    function load() {
      try {
        var s = JSON.parse(window.sessionStorage.getItem(KEY) || 'null');
        if (s && Array.isArray(s.items)) return { open: !!s.open, items: s.items.filter(validItem) };
      } catch (e) { /* storage blocked or corrupt: start afresh */ }
      return { open: false, items: [] };
    }
    function validItem(it) {
      return it && typeof it === 'object' && (['user', 'bot', 'error'].indexOf(it.type) >= 0 ||
        /^ho-/.test(String(it.type))); // ho-*: the handoff's (handoff.js)
    }
    function save() {
      try {
        window.sessionStorage.setItem(KEY, JSON.stringify({ open: state.open, items: state.items.slice(-MAX_ITEMS) }));
      } catch (e) { /* full or blocked: the conversation just won't survive a reload */ }
    }

    // --- DOM ---------------------------------------------------------------------------------
    var host = document.createElement('privacybot-widget');
    host.setAttribute('data-api', API);
    var shadow = host.attachShadow({ mode: 'open' });
    var sheetOk = false;
    try {
      if ('adoptedStyleSheets' in shadow && typeof CSSStyleSheet === 'function') {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLE);
        shadow.adoptedStyleSheets = [sheet];
        sheetOk = true;
      }
    } catch (e) { sheetOk = false; }
    if (!sheetOk) shadow.appendChild(h('style', { text: STYLE }));

    var root = h('div', { class: 'root' + (left ? ' left' : ''), lang: HTML_LANG[lang] });
    var pal = palette(accent);
    root.style.setProperty('--pb-accent', pal.accent);
    root.style.setProperty('--pb-on-accent', pal.onAccent);
    root.style.setProperty('--pb-ink', pal.ink);

    var launcher = h('button', {
      type: 'button', class: 'launcher', 'aria-label': LAUNCHER_LABEL, 'aria-expanded': 'false',
      'aria-controls': 'pb-panel', onclick: function () { if (state.open) close(true); else open(true); }
    }, [
      svg(['M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z', 'M8.5 10.5h7', 'M8.5 13.5h4.5'], 'i-chat'),
      svg(['M6 9l6 6 6-6'], 'i-close')
    ]);
    var log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '-1' });
    var input = h('input', {
      type: 'text', name: 'question', maxlength: String(MAX_QUESTION), autocomplete: 'off', enterkeyhint: 'send',
      'aria-label': INPUT_LABEL, placeholder: T.placeholder
    });
    var sendBtn = h('button', { type: 'submit', class: 'btn', text: T.send });
    var form = h('form', { class: 'form', onsubmit: onSubmit }, [input, sendBtn]);
    var panel = h('div', { id: 'pb-panel', class: 'panel', role: 'dialog', 'aria-label': title, hidden: true }, [
      h('div', { class: 'head' }, [
        h('h2', { text: title }),
        h('button', { type: 'button', class: 'close', 'aria-label': CLOSE_LABEL, onclick: function () { close(true); } },
          [svg(['M6 6l12 12', 'M18 6L6 18'])])
      ]),
      log,
      form
    ]);
    root.addEventListener('keydown', function (e) {
      if ((e.key === 'Escape' || e.key === 'Esc') && state.open) {
        e.preventDefault();
        close(true);
      }
    });
    root.appendChild(launcher);
    root.appendChild(panel);
    shadow.appendChild(root);
    (document.body || document.documentElement).appendChild(host);

    // --- suggestions -------------------------------------------------------------------------
    var suggestions = null, suggestionsPromise = null;
    function loadSuggestions() {
      if (!suggestionsPromise) {
        var q = '?lang=' + encodeURIComponent(lang) + (policy ? '&policy_id=' + encodeURIComponent(policy) : '');
        suggestionsPromise = call('/api/v1/suggestions' + q, { method: 'GET' })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (d) {
            var qs = d && Array.isArray(d.questions) ? d.questions.map(str).filter(Boolean).slice(0, 6) : [];
            suggestions = qs.length ? qs : T.fallback;
          }, function () { suggestions = T.fallback; })
          .then(function () { return suggestions; });
      }
      return suggestionsPromise;
    }
    function chips() {
      var box = h('div', { class: 'chips' });
      loadSuggestions().then(function (qs) {
        qs.forEach(function (q) {
          box.appendChild(h('button', {
            type: 'button', class: 'chip', text: q,
            onclick: function () { input.focus(); ask(q); }
          }));
        });
      });
      return box;
    }

    var welcome = null;
    function renderWelcome() {
      welcome = h('div', { class: 'welcome' }, [h('p', { text: T.greeting })]);
      welcome.appendChild(h('p', { class: 'hint', text: T.tryThese }));
      welcome.appendChild(chips());
      log.appendChild(welcome);
      updateWelcome();
    }
    function updateWelcome() {
      if (!welcome) return;
      var first = state.items.length === 0;
      welcome.querySelector('.hint').hidden = !first;
      welcome.querySelector('.chips').hidden = !first;
    }

    // --- rendering of items ------------------------------------------------------------------
    function renderItem(item) {
      if (/^ho-/.test(String(item.type))) return (handoff && handoff.render(item)) || h('p', { hidden: true });
      if (item.type === 'user') return h('div', { class: 'user', text: str(item.text) });
      if (item.type === 'bot') return renderBot(item);
      return renderError(item);
    }

    function pathOf(a) {
      return [str(a.product), str(a.heading)].filter(Boolean).join(' › ');
    }

    function quoteBlock(text, W) {
      text = str(text);
      var bq = h('blockquote', { text: text });
      var long = text.length > 260 || text.split('\n').length > 7;
      if (!long) return [bq];
      bq.className = 'clamped';
      var btn = h('button', { type: 'button', class: 'textbtn', 'aria-expanded': 'false', text: W.showAll });
      btn.addEventListener('click', function () {
        var expanded = bq.classList.toggle('clamped') === false;
        btn.setAttribute('aria-expanded', String(expanded));
        btn.textContent = expanded ? W.showLess : W.showAll;
      });
      return [bq, btn];
    }

    function openLink(a, W) {
      var href = safeHref(a.url, API);
      if (!href) return null;
      return h('a', { class: 'open', href: href, target: '_blank', rel: 'noopener', text: W.open });
    }

    function renderBot(item) {
      var card = h('div', { class: 'card' });
      var answers = Array.isArray(item.answers) ? item.answers : [];
      if (item.answered && answers.length) {
        // The card's words follow the reply's language, as its message does: a Traditional
        // question gets 根據《…》 in a Simplified widget.
        var W = Object.prototype.hasOwnProperty.call(STRINGS, item.lang) ? STRINGS[item.lang] : T;
        var a = answers[0];
        card.appendChild(h('p', { class: 'frame', text: W.framing({ policy_title: str(a.policy_title), product: str(a.product), updated: str(a.updated) }) }));
        card.appendChild(h('p', { class: 'path', text: pathOf(a) }));
        quoteBlock(a.quote, W).forEach(function (el) { card.appendChild(el); });
        var links = h('div', { class: 'links' }, [openLink(a, W)]);
        if (a.updated) links.appendChild(h('span', { class: 'version', text: W.version(str(a.updated)) }));
        card.appendChild(links);
        var rest = answers.slice(1, 3);
        if (rest.length) {
          var others = h('div', { class: 'others', hidden: true });
          rest.forEach(function (o) {
            var box = h('div', { class: 'other' }, [h('p', { class: 'path', text: pathOf(o) })]);
            quoteBlock(o.quote, W).forEach(function (el) { box.appendChild(el); });
            var l = openLink(o, W);
            var row = h('div', { class: 'links' }, [l]);
            if (o.updated) row.appendChild(h('span', { class: 'version', text: W.version(str(o.updated)) }));
            box.appendChild(row);
            others.appendChild(box);
          });
          var more = h('button', { type: 'button', class: 'textbtn', 'aria-expanded': 'false', text: W.more(rest.length) });
          more.addEventListener('click', function () {
            others.hidden = !others.hidden;
            more.setAttribute('aria-expanded', String(!others.hidden));
            more.textContent = others.hidden ? W.more(rest.length) : W.less;
          });
          links.appendChild(more);
          card.appendChild(others);
        }
      } else {
        card.appendChild(h('p', { class: 'message', text: str(item.message) }));
        card.appendChild(chips());
        if (handoff) card.appendChild(handoff.button(item, 'refused'));
      }
      card.appendChild(feedbackRow(item));
      return card;
    }

    function feedbackRow(item) {
      var row = h('div', { class: 'fb' });
      var sent = item.fb && item.fb.sent;
      // Thumbs drawn as SVG: an emoji font is not everywhere (the glyphs would show as boxes).
      var up = h('button', { type: 'button', class: 'vote', 'aria-label': UP_LABEL, title: UP_LABEL,
        'aria-pressed': sent && item.fb.vote === 'up' ? 'true' : 'false', disabled: !!sent }, [svg([THUMB_UP])]);
      var down = h('button', { type: 'button', class: 'vote', 'aria-label': DOWN_LABEL, title: DOWN_LABEL,
        'aria-pressed': sent && item.fb.vote === 'down' ? 'true' : 'false', disabled: !!sent }, [svg([THUMB_DOWN])]);
      row.appendChild(h('span', { text: T.helpful }));
      row.appendChild(up);
      row.appendChild(down);
      if (sent) {
        row.appendChild(h('span', { class: 'thanks', text: T.thanks }));
        if (handoff && item.fb.vote === 'down') row.appendChild(handoff.button(item, 'downvote'));
        return row;
      }
      var errorLine = h('p', { class: 'fb-error', hidden: true, role: 'alert', text: T.feedbackFailed });
      var reasonBox = null;
      function submit(vote, reason, comment) {
        up.disabled = down.disabled = true;
        if (reasonBox) reasonBox.querySelectorAll('button, input, textarea').forEach(function (el) { el.disabled = true; });
        errorLine.hidden = true;
        var a = item.answered && Array.isArray(item.answers) && item.answers[0];
        var body = {
          question_id: item.id || null, vote: vote, reason: reason || null,
          comment: comment ? comment.slice(0, 1000) : null, question: str(item.question).slice(0, 2000) || null,
          policy_id: a ? str(a.policy_id) || null : null, section_id: a ? str(a.section_id) || null : null,
          url: a ? str(a.url) || null : null, quote: a ? str(a.quote).slice(0, 5000) || null : null,
          channel: 'widget'
        };
        call('/api/v1/feedback', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
          .then(function (r) {
            if (!r.ok) throw new Error('HTTP ' + r.status);
            item.fb = { vote: vote, sent: true };
            save();
            var fresh = feedbackRow(item);
            row.replaceWith(fresh);
            var t = fresh.querySelector('.thanks');
            if (t) t.setAttribute('tabindex', '-1');
          })
          .catch(function () {
            up.disabled = down.disabled = false;
            if (reasonBox) reasonBox.querySelectorAll('button, input, textarea').forEach(function (el) { el.disabled = false; });
            errorLine.hidden = false;
          });
      }
      up.addEventListener('click', function () {
        up.setAttribute('aria-pressed', 'true');
        down.setAttribute('aria-pressed', 'false');
        if (reasonBox) reasonBox.hidden = true;
        submit('up');
      });
      down.addEventListener('click', function () {
        down.setAttribute('aria-pressed', 'true');
        up.setAttribute('aria-pressed', 'false');
        if (!item.answered) { submit('down'); return; }
        if (!reasonBox) {
          reasonBox = reasonForm(function (reason, comment) { submit('down', reason, comment); });
          row.insertBefore(reasonBox, errorLine);
        } else {
          reasonBox.hidden = false;
        }
        var first = reasonBox.querySelector('input');
        if (first) first.focus();
      });
      row.appendChild(errorLine);
      return row;
    }

    var formSeq = 0;
    function reasonForm(onSend) {
      var n = ++formSeq;
      var fs = h('fieldset', null, [h('legend', { text: T.reasonLegend })]);
      REASONS.forEach(function (r) {
        fs.appendChild(h('label', null, [h('input', { type: 'radio', name: 'pb-reason-' + n, value: r }), T.reasons[r]]));
      });
      var cid = 'pb-comment-' + n;
      var comment = h('textarea', { id: cid, maxlength: '1000', rows: '2' });
      var box = h('div', { class: 'reason' }, [
        fs,
        h('label', { class: 'clabel', for: cid, text: T.comment }),
        comment,
        h('button', { type: 'button', class: 'btn send-fb', text: T.sendFeedback, onclick: function () {
          var checked = fs.querySelector('input:checked');
          onSend(checked ? checked.value : null, comment.value.trim());
        } })
      ]);
      return box;
    }

    function renderError(item) {
      var text;
      if (item.kind === 'rate') text = T.rate(item.retryAfter);
      else if (item.kind === 'detail') text = str(item.detail);
      else if (item.kind === 'interrupted') text = T.interrupted;
      else text = T.network;
      var box = h('div', { class: 'error', role: 'alert' }, [h('span', { text: text })]);
      if (item.kind !== 'detail') {
        box.appendChild(h('button', { type: 'button', class: 'btn', text: T.retry, onclick: function () {
          removeItem(item);
          input.focus();
          send(str(item.question));
        } }));
      }
      return box;
    }

    // --- items in the log ----------------------------------------------------------------
    var elements = []; // parallel to state.items
    function addItem(item) {
      state.items.push(item);
      if (state.items.length > MAX_ITEMS) {
        state.items.shift();
        var gone = elements.shift();
        if (gone) gone.remove();
      }
      var el = renderItem(item);
      elements.push(el);
      log.insertBefore(el, typing && typing.parentNode === log ? typing : null);
      save();
      updateWelcome();
      return el;
    }
    function removeItem(item) {
      var i = state.items.indexOf(item);
      if (i < 0) return;
      state.items.splice(i, 1);
      var el = elements.splice(i, 1)[0];
      if (el) el.remove();
      save();
    }
    function reveal(el) {
      // Show the question above its answer: scroll so the element's top is near the top.
      if (el) log.scrollTop = Math.max(0, el.offsetTop - 8);
      else log.scrollTop = log.scrollHeight;
    }

    // --- asking ----------------------------------------------------------------------------
    var busy = false, typing = null;
    function call(path, opts) {
      var ctrl = typeof AbortController === 'function' ? new AbortController() : null;
      var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, TIMEOUT_MS) : null;
      var o = { mode: 'cors', credentials: 'omit', cache: 'no-store' };
      Object.keys(opts || {}).forEach(function (k) { o[k] = opts[k]; });
      if (ctrl) o.signal = ctrl.signal;
      return fetch(API + path, o).then(function (r) { clearTimeout(timer); return r; },
        function (e) { clearTimeout(timer); throw e; });
    }

    function setBusy(b) {
      busy = b;
      sendBtn.disabled = b;
      log.setAttribute('aria-busy', b ? 'true' : 'false');
      if (b) {
        typing = h('div', { class: 'typing' }, [
          h('span', { class: 'dots', 'aria-hidden': 'true' }, [h('i'), h('i'), h('i')]),
          h('span', { text: T.typing })
        ]);
        log.appendChild(typing);
        log.scrollTop = log.scrollHeight;
      } else if (typing) {
        typing.remove();
        typing = null;
      }
    }

    function onSubmit(e) {
      e.preventDefault();
      var q = input.value.trim();
      if (q && handoff && handoff.active()) { input.value = ''; handoff.send(q); return; }
      if (!q || busy) return;
      input.value = '';
      ask(q);
    }

    function ask(q) {
      q = str(q).trim().slice(0, MAX_QUESTION);
      if (!q || busy) return;
      addItem({ type: 'user', text: q });
      send(q);
    }

    function send(q) {
      if (busy) return;
      var questionEl = elements[elements.length - 1];
      setBusy(true);
      call('/api/v1/ask', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ question: q, policy_id: policy, top_k: 3, lang: null, channel: 'widget' })
      }).then(function (r) {
        if (r.ok) return r.json().then(function (d) { return botItem(d, q); });
        if (r.status === 429) return { type: 'error', kind: 'rate', question: q, retryAfter: retryAfterSeconds(r.headers.get('Retry-After')) };
        if (r.status >= 500) return { type: 'error', kind: 'network', question: q };
        return r.json().then(function (d) {
          var det = d && d.detail;
          return typeof det === 'string' ? det : JSON.stringify(det);
        }, function () { return ''; }).then(function (det) {
          return { type: 'error', kind: 'detail', question: q, detail: det || ('HTTP ' + r.status) };
        });
      }).catch(function () {
        return { type: 'error', kind: 'network', question: q };
      }).then(function (item) {
        setBusy(false);
        addItem(item);
        reveal(item.type === 'bot' && questionEl && questionEl.classList.contains('user') ? questionEl : null);
      });
    }

    function botItem(d, q) {
      d = d && typeof d === 'object' ? d : {};
      var answers = Array.isArray(d.answers) ? d.answers.slice(0, 3).map(function (a) {
        a = a || {};
        return {
          policy_id: str(a.policy_id), policy_title: str(a.policy_title), product: str(a.product),
          section_id: str(a.section_id), heading: str(a.heading), quote: str(a.quote), url: str(a.url),
          updated: str(a.updated)
        };
      }) : [];
      return { type: 'bot', id: d.id ? str(d.id) : null, question: str(d.question) || q, lang: str(d.lang),
               answered: !!d.answered && answers.length > 0, message: str(d.message), answers: answers };
    }

    // --- open / close ------------------------------------------------------------------------
    function open(focus) {
      panel.hidden = false;
      launcher.setAttribute('aria-expanded', 'true');
      state.open = true;
      save();
      if (!welcome) renderWelcome();
      log.scrollTop = log.scrollHeight;
      if (focus) input.focus();
    }
    function close(returnFocus) {
      panel.hidden = true;
      launcher.setAttribute('aria-expanded', 'false');
      state.open = false;
      save();
      if (returnFocus) launcher.focus();
    }

    // --- human handoff (bot/static/handoff.js, served in front of this file at /widget.js) ------
    var handoff = null;
    try {
      if (SCRIPT && typeof SCRIPT.privacybotHandoff === 'function') {
        handoff = SCRIPT.privacybotHandoff({
          API: API, KEY: KEY, lang: lang, policy: policy, shadow: shadow, panel: panel, form: form,
          input: input, log: log, state: state, h: h, str: str, call: call, addItem: addItem,
          retryAfter: retryAfterSeconds, pathOf: pathOf,
          quoteBlock: function (text) { return quoteBlock(text, T); },
          openLink: function (a) { return openLink(a, T); },
          rerender: function (item) {
            var i = state.items.indexOf(item);
            if (i < 0) return;
            var el = renderItem(item);
            elements[i].replaceWith(el);
            elements[i] = el;
            save();
          }
        });
      }
    } catch (e) { handoff = null; console.warn('privacybot widget: handoff unavailable:', e); }

    // --- restore -----------------------------------------------------------------------------
    var restored = state.items.slice();
    state.items = [];
    if (restored.length) {
      renderWelcome();
      restored.forEach(function (it) {
        try { addItem(it); } catch (e) { /* skip an item that no longer renders */ }
      });
      var last = state.items[state.items.length - 1];
      if (last && last.type === 'user') addItem({ type: 'error', kind: 'interrupted', question: str(last.text) });
    }
    if (state.open) open(false);

    window.PrivacyBot = {
      mounted: true,
      open: function () { open(true); },
      close: function () { close(false); },
      toggle: function () { if (state.open) close(false); else open(true); },
      ask: function (q) { open(false); ask(q); }
    };
  }

  function safeInit() {
    try { init(); } catch (e) {
      try { console.warn('privacybot widget failed to start:', e); } catch (e2) { /* nothing */ }
    }
  }
  try {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', safeInit);
    else safeInit();
  } catch (e) {
    try { console.warn('privacybot widget failed to start:', e); } catch (e2) { /* nothing */ }
  }
})();
