/*! privacybot widget: human handoff ("联系人工客服" / "Talk to a person").
 * Served in front of widget.js at /widget.js (one file, one tag); widget.js calls the function
 * this leaves on its <script> element with its internals (ctx). The conversation goes to the
 * agents (Telegram or /admin) through /api/v1/handoffs; the text box then writes to them, and
 * their replies arrive by long poll. State (conversation id and token, last message seen) is in
 * sessionStorage next to the widget's, so a reload keeps the conversation. Everything is shown
 * with textContent, as in widget.js.
 */
(function () {
  'use strict';
  var SCRIPT = document.currentScript;
  if (!SCRIPT) return;

  var WAIT = 25; // seconds the server holds a read open
  var READ_TIMEOUT_MS = 35000;

  var STRINGS = {
    zh: {
      talk: '联系人工客服',
      back: '返回机器人',
      placeholder: '写给人工客服…',
      banner: '已转人工客服：客服会在这里回复您。',
      contactLabel: '留下邮箱（可选），客服也可以发邮件给您',
      contactSave: '保存',
      contactSaved: function (e) { return '客服可以写信到 ' + e; },
      contactBad: '请输入有效的邮箱地址',
      started: '已通知人工客服，您的问题和机器人的回答已经转给他们。',
      resumed: '继续与人工客服的对话。',
      claimed: function (n) { return (n || '客服') + ' 正在为您服务'; },
      closed: '客服已结束对话。您可以继续问机器人。',
      agent: function (n) { return (n || '客服') + ' · 人工客服'; },
      failed: '消息没有发送成功',
      retry: '重试',
      startFailed: '暂时无法联系人工客服，请稍后再试。',
      rate: function (n) { return '操作太频繁，请 ' + n + ' 秒后再试'; },
      open: '查看原文'
    },
    // Taiwan usage, as widget.js's own zh-Hant words (帳號, 連結, 資料).
    'zh-Hant': {
      talk: '聯絡真人客服',
      back: '返回機器人',
      placeholder: '寫給真人客服…',
      banner: '已轉給真人客服：客服會在這裡回覆您。',
      contactLabel: '留下電子郵件（選填），客服也可以寄信給您',
      contactSave: '儲存',
      contactSaved: function (e) { return '客服可以寄信到 ' + e; },
      contactBad: '請輸入有效的電子郵件地址',
      started: '已通知真人客服，您的問題和機器人的回答已經轉給他們。',
      resumed: '繼續與真人客服的對話。',
      claimed: function (n) { return (n || '客服') + ' 正在為您服務'; },
      closed: '客服已結束對話。您可以繼續問機器人。',
      agent: function (n) { return (n || '客服') + ' · 真人客服'; },
      failed: '訊息沒有送出',
      retry: '重試',
      startFailed: '暫時無法聯絡真人客服，請稍後再試。',
      rate: function (n) { return '操作太頻繁，請 ' + n + ' 秒後再試'; },
      open: '查看原文'
    },
    en: {
      talk: 'Talk to a person',
      back: 'Back to the bot',
      placeholder: 'Write to a person…',
      banner: 'You are talking to a person: they will reply here.',
      contactLabel: 'Your e-mail (optional), so an agent can also write to you',
      contactSave: 'Save',
      contactSaved: function (e) { return 'An agent can write to ' + e; },
      contactBad: 'Please enter a valid e-mail address',
      started: 'A person has been told: your question and the bot\'s answer were passed on.',
      resumed: 'Back to your conversation with a person.',
      claimed: function (n) { return (n || 'An agent') + ' is looking after you'; },
      closed: 'The agent ended the conversation. You can ask the bot again.',
      agent: function (n) { return (n || 'Agent') + ' · support'; },
      failed: "The message wasn't sent",
      retry: 'Retry',
      startFailed: "Can't reach a person right now; please try again later.",
      rate: function (n) { return 'Too many requests, try again in ' + n + ' s'; },
      open: 'Open clause'
    }
  };

  var STYLE = [
    '.ho-bar { display: flex; align-items: center; gap: 8px; padding: 6px 12px; flex: none; border-top: 1px solid #e5e7eb; background: #fff; font-size: 13px; }',
    '.ho-bar .textbtn { font-size: 13px; }',
    '.ho-banner { flex: none; display: flex; flex-direction: column; gap: 6px; padding: 8px 12px; background: #ecfdf5; border-top: 1px solid #a7f3d0; color: #065f46; font-size: 13px; }',
    '.ho-banner .row { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; }',
    '.ho-banner p { margin: 0; }',
    '.ho-contact { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }',
    '.ho-contact input { flex: 1; min-width: 10em; margin: 0; padding: 5px 8px; border: 1px solid #9ca3af; border-radius: 6px; font-size: 14px; background: #fff; color: #111827; }',
    '.ho-contact .btn { padding: 4px 10px; font-size: 13px; }',
    '.ho-contact-msg { color: #065f46; }',
    '.ho-contact-msg.bad { color: #b91c1c; }',
    '.ho-agent { align-self: flex-start; max-width: 85%; display: flex; flex-direction: column; gap: 2px; }',
    '.ho-agent .who { font-size: 12px; color: #047857; font-weight: 600; }',
    '.ho-agent .bubble { padding: 8px 12px; border-radius: 14px 14px 14px 4px; background: #fff; border: 1px solid #a7f3d0; white-space: pre-wrap; overflow-wrap: anywhere; }',
    '.ho-note { align-self: center; max-width: 90%; padding: 2px 10px; font-size: 12px; color: #4b5563; text-align: center; }',
    '.ho-note.bad { color: #b91c1c; }',
    '.ho-talk { align-self: flex-start; }',
    '.ho-agent.ho-mine { align-self: flex-end; align-items: flex-end; }',
    '.user.ho-visitor { background: #047857; color: #fff; }',
    '.user.ho-failed { opacity: .7; }'
  ].join('\n');

  SCRIPT.privacybotHandoff = function (c) {
    var T = STRINGS[c.lang] || STRINGS.en;
    var KEY = c.KEY + '|handoff';
    var h = c.h, str = c.str;
    var st = load();
    var enabled = null; // unknown until /availability answers
    var waiting = []; // "Talk to a person" buttons shown once handoff is known to be on
    var reading = false, readSeq = 0;
    var basePlaceholder = c.input.placeholder;

    addStyle();

    function load() {
      try {
        var s = JSON.parse(window.sessionStorage.getItem(KEY) || 'null');
        if (s && typeof s.id === 'string' && typeof s.token === 'string') return s;
      } catch (e) { /* start afresh */ }
      return { id: null };
    }
    function save() {
      try { window.sessionStorage.setItem(KEY, JSON.stringify(st)); } catch (e) { /* no storage */ }
    }
    function addStyle() {
      try {
        if (c.shadow.adoptedStyleSheets && typeof CSSStyleSheet === 'function') {
          var sheet = new CSSStyleSheet();
          sheet.replaceSync(STYLE);
          c.shadow.adoptedStyleSheets = c.shadow.adoptedStyleSheets.concat([sheet]);
          return;
        }
      } catch (e) { /* fall back to a style element */ }
      c.shadow.appendChild(h('style', { text: STYLE }));
    }

    // --- the bar under the log: "Talk to a person", or the banner while talking -----------------
    var talkBtn = h('button', { type: 'button', class: 'textbtn', text: T.talk, onclick: function () { start(null, 'panel'); } });
    var bar = h('div', { class: 'ho-bar', hidden: true }, [talkBtn]);
    var contactInput = h('input', { type: 'email', maxlength: '254', autocomplete: 'email', 'aria-label': T.contactLabel, placeholder: T.contactLabel });
    var contactMsg = h('span', { class: 'ho-contact-msg', role: 'status' });
    var contactForm = h('form', { class: 'ho-contact', onsubmit: saveContact }, [
      contactInput, h('button', { type: 'submit', class: 'btn', text: T.contactSave }), contactMsg
    ]);
    var backBtn = h('button', { type: 'button', class: 'textbtn', text: T.back, onclick: function () { leave(); c.input.focus(); } });
    var banner = h('div', { class: 'ho-banner', role: 'status', hidden: true }, [
      h('div', { class: 'row' }, [h('p', { text: T.banner }), backBtn]),
      contactForm
    ]);
    c.panel.insertBefore(bar, c.form);
    c.panel.insertBefore(banner, c.form);

    function showButtons() {
      bar.hidden = !enabled || !!st.active;
      waiting.forEach(function (b) { b.hidden = !enabled; });
    }

    c.call('/api/v1/handoffs/availability', { method: 'GET' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { enabled = !!(d && d.enabled); }, function () { enabled = false; })
      .then(function () {
        if (st.id && st.status !== 'closed') enabled = true; // a conversation already under way
        showButtons();
      });

    function talkButton(item, reason) {
      var b = h('button', { type: 'button', class: 'chip ho-talk', text: T.talk, hidden: !enabled,
        onclick: function () { start(item, reason); } });
      waiting.push(b);
      return b;
    }

    // --- starting, leaving ------------------------------------------------------------------
    function lastQuestion() {
      for (var i = c.state.items.length - 1; i >= 0; i--) {
        var it = c.state.items[i];
        if (it.type === 'bot' && it.question) return str(it.question);
        if (it.type === 'user' && it.text) return str(it.text);
      }
      return null;
    }

    function start(item, reason) {
      if (st.id && st.status !== 'closed') { // one conversation at a time: resume it
        enter();
        note(T.resumed);
        return;
      }
      var question = item && item.question ? str(item.question) : lastQuestion();
      var body = { question: question ? question.slice(0, 500) : null, policy_id: c.policy,
                   lang: ['zh', 'zh-Hant', 'en'].indexOf(c.lang) >= 0 ? c.lang : null, reason: reason };
      c.call('/api/v1/handoffs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
        .then(function (r) {
          if (r.status === 429) throw { rate: c.retryAfter(r.headers.get('Retry-After')) };
          if (!r.ok) throw { status: r.status };
          return r.json();
        })
        .then(function (d) {
          st = { id: str(d.id), token: str(d.token), after: 0, status: str(d.status) || 'open', active: true, agent: null, contact: null };
          save();
          note(T.started);
          enter();
          read();
        })
        .catch(function (e) { note(e && e.rate ? T.rate(e.rate) : T.startFailed, true); });
    }

    function enter() {
      st.active = true;
      save();
      c.input.placeholder = T.placeholder;
      banner.hidden = false;
      showContact();
      showButtons();
      c.input.focus();
    }

    function leave() {
      st.active = false;
      save();
      c.input.placeholder = basePlaceholder;
      banner.hidden = true;
      showButtons();
    }

    function showContact() {
      if (st.contact) {
        contactInput.value = st.contact;
        contactMsg.textContent = T.contactSaved(st.contact);
        contactMsg.className = 'ho-contact-msg';
      }
    }

    function saveContact(e) {
      e.preventDefault();
      var email = contactInput.value.trim();
      if (!/^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$/.test(email)) {
        contactMsg.textContent = T.contactBad;
        contactMsg.className = 'ho-contact-msg bad';
        return;
      }
      authed('/contact', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: email.slice(0, 254) }) })
        .then(function (r) {
          if (!r.ok) throw new Error('HTTP ' + r.status);
          st.contact = email;
          save();
          showContact();
        })
        .catch(function () { contactMsg.textContent = T.failed; contactMsg.className = 'ho-contact-msg bad'; });
    }

    function authed(path, opts) {
      opts.headers = opts.headers || {};
      opts.headers.Authorization = 'Bearer ' + st.token;
      return c.call('/api/v1/handoffs/' + encodeURIComponent(st.id) + path, opts);
    }

    // --- the visitor writes -------------------------------------------------------------------
    function send(text) {
      var item = { type: 'ho-visitor', text: str(text).slice(0, 2000) };
      c.addItem(item);
      c.log.scrollTop = c.log.scrollHeight;
      post(item);
    }

    function post(item) {
      authed('/messages', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: item.text }) })
        .then(function (r) {
          if (r.status === 409) { closed(); throw new Error('closed'); }
          if (!r.ok) throw new Error('HTTP ' + r.status);
          if (item.failed) { item.failed = false; c.rerender(item); }
        })
        .catch(function (e) {
          if (e && e.message === 'closed') return;
          item.failed = true;
          c.rerender(item);
        });
    }

    // --- the agents' replies: long poll ---------------------------------------------------------
    function read() {
      if (reading || !st.id || st.status === 'closed') return;
      reading = true;
      var seq = ++readSeq;
      var ctrl = typeof AbortController === 'function' ? new AbortController() : null;
      var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, READ_TIMEOUT_MS) : null;
      var opts = { method: 'GET', mode: 'cors', credentials: 'omit', cache: 'no-store',
                   headers: { Authorization: 'Bearer ' + st.token } };
      if (ctrl) opts.signal = ctrl.signal;
      fetch(c.API + '/api/v1/handoffs/' + encodeURIComponent(st.id) + '/messages?after=' + (st.after || 0) + '&wait=' + WAIT, opts)
        .then(function (r) {
          clearTimeout(timer);
          if (r.status === 404) { forget(); return null; }
          if (r.status === 429) return pause(c.retryAfter(r.headers.get('Retry-After')) * 1000);
          if (!r.ok) return pause(3000);
          return r.json().then(function (d) { take(d); return null; });
        })
        .catch(function () { clearTimeout(timer); return pause(3000); })
        .then(function () {
          if (seq !== readSeq) return;
          reading = false;
          if (st.id && st.status !== 'closed') read();
        });
    }

    function pause(ms) { return new Promise(function (ok) { setTimeout(ok, Math.max(500, ms || 0)); }); }

    function take(d) {
      d = d && typeof d === 'object' ? d : {};
      var msgs = Array.isArray(d.messages) ? d.messages : [];
      msgs.forEach(function (m) {
        m = m && typeof m === 'object' ? m : {};
        var id = Number(m.id) || 0;
        if (id <= (st.after || 0)) return;
        st.after = id;
        if (m.sender === 'agent') {
          c.addItem({ type: 'ho-agent', kind: m.kind === 'clause' ? 'clause' : 'text', text: str(m.text),
                      agent: str(m.agent), answer: m.answer && typeof m.answer === 'object' ? m.answer : null });
        } else if (m.kind === 'status' && m.event === 'claimed') {
          note(T.claimed(str(m.agent)));
        } else if (m.kind === 'status' && m.event === 'closed') {
          note(T.closed);
        }
        c.log.scrollTop = c.log.scrollHeight;
      });
      save();
      if (d.status === 'closed') closed();
    }

    function closed() {
      st.status = 'closed';
      save();
      leave();
    }

    function forget() { // the conversation is gone (purged) or its token no longer works
      st = { id: null };
      save();
      leave();
    }

    function note(text, bad) {
      c.addItem({ type: 'ho-note', text: str(text), bad: !!bad });
      c.log.scrollTop = c.log.scrollHeight;
    }

    // --- rendering of its items ------------------------------------------------------------------
    function render(item) {
      if (item.type === 'ho-visitor') {
        var el = h('div', { class: 'user ho-visitor' + (item.failed ? ' ho-failed' : ''), text: str(item.text) });
        if (!item.failed) return el;
        return h('div', { class: 'ho-agent ho-mine' }, [el,
          h('span', { class: 'ho-note bad' }, [T.failed + ' · ',
            h('button', { type: 'button', class: 'textbtn', text: T.retry, onclick: function () { post(item); } })])]);
      }
      if (item.type === 'ho-agent') {
        var box = h('div', { class: 'ho-agent' }, [h('span', { class: 'who', text: T.agent(str(item.agent)) })]);
        var card = null;
        if (item.kind === 'clause' && item.answer) {
          try { // a clause card; should widget.js's helpers change, the text still shows
            var a = item.answer;
            card = h('div', { class: 'card' }, [h('p', { class: 'path', text: c.pathOf(a) })]);
            c.quoteBlock(str(a.quote)).forEach(function (q) { card.appendChild(q); });
            var link = c.openLink(a);
            if (link) card.appendChild(h('div', { class: 'links' }, [link]));
          } catch (e) { card = null; }
        }
        if (card) {
          box.appendChild(card);
        } else {
          box.appendChild(h('div', { class: 'bubble', text: str(item.text) }));
        }
        return box;
      }
      if (item.type === 'ho-note') return h('p', { class: 'ho-note' + (item.bad ? ' bad' : ''), role: item.bad ? 'alert' : null, text: str(item.text) });
      return null;
    }

    // Resume after a reload.
    if (st.id && st.status !== 'closed') {
      if (st.active) {
        c.input.placeholder = T.placeholder;
        banner.hidden = false;
        showContact();
      }
      read();
    }

    return {
      render: render,
      button: talkButton,
      active: function () { return !!(st.id && st.active && st.status !== 'closed'); },
      send: send
    };
  };
})();
