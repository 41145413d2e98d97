'use strict';
// linelock console: plain DOM, no framework. Every text from the server
// goes through textContent, never innerHTML.
(function () {
  const $ = (id) => document.getElementById(id);
  const pages = ['login', 'lines', 'settings', 'audit', 'calls', 'system'];
  const st = {
    csrf: null, user: null, es: null,
    lines: { after: [], cursor: null, next: null },
    audit: { stack: [], before: 0, next: null },
    lastCalls: null, lastCallsAt: 0,
    live: new Map()   // calls seen starting on the event stream, by id
  };

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function when(unix) {
    if (!unix) return '';
    return new Date(unix * 1000).toLocaleString();
  }

  function say(text, isError) {
    const m = $('msg');
    m.textContent = text || '';
    m.className = isError ? 'error' : '';
  }

  async function api(method, path, body) {
    const opt = { method, headers: {}, credentials: 'same-origin' };
    if (method !== 'GET' && st.csrf) opt.headers['X-CSRF-Token'] = st.csrf;
    if (body !== undefined) {
      opt.headers['Content-Type'] = 'application/json';
      opt.body = JSON.stringify(body);
    }
    const r = await fetch(path, opt);
    if (r.status === 401 && path !== '/api/v1/login') {
      loggedOut();
      throw new Error('Please log in.');
    }
    const text = await r.text();
    const j = text ? JSON.parse(text) : null;
    if (!r.ok) {
      throw new Error(j && j.error ? j.error.message : 'HTTP ' + r.status);
    }
    return j;
  }

  function show(page) {
    if (!st.user) page = 'login';
    if (pages.indexOf(page) < 0) page = 'lines';
    for (const p of pages) $('page-' + p).hidden = p !== page;
    for (const a of document.querySelectorAll('#nav a')) {
      if (a.getAttribute('href') === '#' + page) {
        a.setAttribute('aria-current', 'page');
      } else {
        a.removeAttribute('aria-current');
      }
    }
    const loaders = {
      lines: loadLines, settings: loadSettings, audit: loadAudit,
      calls: loadCalls, system: loadSystem
    };
    if (loaders[page]) loaders[page]().catch((e) => say(e.message, true));
  }

  function route() {
    say('');
    show(location.hash.slice(1) || 'lines');
  }

  function loggedIn(j) {
    st.user = j.user;
    st.csrf = j.csrf || null;
    $('nav').hidden = false;
    startEvents();
  }

  function loggedOut() {
    st.user = null;
    st.csrf = null;
    $('nav').hidden = true;
    $('live').hidden = true;
    if (st.es) { st.es.close(); st.es = null; }
    show('login');
  }

  // ---- lines --------------------------------------------------------
  function lineState(l) {
    if (!l.locked) return 'unlocked';
    return 'locked (' + l.lock + ')';
  }

  // Class, budget use and an open after-hours override, in a few words.
  function lineRules(l) {
    const parts = [];
    if (l.class) parts.push('class ' + l.class);
    const b = l.budget || {};
    if (b.calls) {
      parts.push(b.used_calls + '/' + b.calls + ' calls per ' + b.period);
    }
    if (b.minutes) {
      parts.push(Math.floor(b.used_seconds / 60) + '/' + b.minutes +
        ' min per month');
    }
    if (b.spent) parts.push('budget spent');
    if (l.afterhours_until * 1000 > Date.now()) {
      parts.push('open after hours until ' +
        new Date(l.afterhours_until * 1000).toLocaleTimeString());
    }
    return parts.length ? parts.join(', ') : '\u2014';
  }

  function lineRow(l) {
    const tr = el('tr');
    tr.dataset.ext = l.ext;
    tr.dataset.partition = l.partition;
    tr.appendChild(el('td', l.ext));
    tr.appendChild(el('td', l.label));
    tr.appendChild(el('td', lineState(l),
      l.locked ? 'state-locked' : 'state-unlocked'));
    tr.appendChild(el('td', l.locked ? when(l.locked_at) : ''));
    tr.appendChild(el('td', l.locked ? l.locked_by : ''));
    tr.appendChild(el('td', lineRules(l), 'rules'));
    const td = el('td', null, 'actions');
    const b = el('button', l.locked ? 'Unlock' : 'Lock',
      l.locked ? 'unlock' : 'lock');
    b.type = 'button';
    b.setAttribute('aria-label', (l.locked ? 'Unlock' : 'Lock') +
      ' line ' + l.ext);
    b.addEventListener('click', () => toggleLock(l, b));
    td.appendChild(b);
    const p = el('button', 'PIN', 'plain');
    p.type = 'button';
    p.setAttribute('aria-label', 'Reset PIN of line ' + l.ext);
    p.addEventListener('click', () => pinDialog(l));
    td.appendChild(p);
    const r = el('button', 'Rules', 'plain');
    r.type = 'button';
    r.setAttribute('aria-label', 'Class and budget of line ' + l.ext);
    r.addEventListener('click', () => rulesDialog(l));
    td.appendChild(r);
    tr.appendChild(td);
    return tr;
  }

  function updateLine(l) {
    const rows = $('lines-table').tBodies[0].rows;
    for (const tr of rows) {
      if (tr.dataset.ext === l.ext && tr.dataset.partition === l.partition) {
        tr.replaceWith(lineRow(l));
        return;
      }
    }
  }

  async function toggleLock(l, button) {
    button.disabled = true;
    const q = l.partition && l.partition !== 'default'
      ? '?partition=' + encodeURIComponent(l.partition) : '';
    try {
      const what = l.locked ? 'unlock' : 'lock';
      const n = await api('POST', '/api/v1/lines/' +
        encodeURIComponent(l.ext) + '/' + what + q);
      updateLine(n);
      say('Line ' + n.ext + ' ' + (n.locked ? 'locked.' : 'unlocked.'));
    } catch (e) {
      button.disabled = false;
      say(e.message, true);
    }
  }

  async function loadLines() {
    const q = $('lines-q').value.trim();
    let url = '/api/v1/lines?limit=50';
    if (q) url += '&q=' + encodeURIComponent(q);
    const c = st.lines.cursor;
    if (c) {
      url += '&after=' + encodeURIComponent(c.ext) +
        '&partition=' + encodeURIComponent(c.partition);
    }
    const j = await api('GET', url);
    const tb = $('lines-table').tBodies[0];
    tb.replaceChildren(...j.items.map(lineRow));
    if (!j.items.length) {
      const tr = el('tr');
      const td = el('td', 'No lines yet: lines appear when a phone ' +
        'registers or a line is locked.');
      td.colSpan = 7;
      tr.appendChild(td);
      tb.appendChild(tr);
    }
    st.lines.next = j.next ? { ext: j.next, partition: j.next_partition }
      : null;
    $('lines-next').disabled = !st.lines.next;
    $('lines-prev').disabled = !st.lines.after.length;
    $('lines-count').textContent = j.total + ' line records';
  }

  function pinDialog(l) {
    const d = $('pin-dialog');
    $('pin-ext').textContent = l.ext;
    $('pin-new').value = '';
    d.dataset.ext = l.ext;
    d.dataset.partition = l.partition;
    d.showModal();
    $('pin-new').focus();
  }

  async function pinSubmit(ev) {
    ev.preventDefault();
    const d = $('pin-dialog');
    const pin = $('pin-new').value;
    $('pin-new').value = '';
    d.close();
    try {
      const q = d.dataset.partition !== 'default'
        ? '?partition=' + encodeURIComponent(d.dataset.partition) : '';
      await api('POST', '/api/v1/lines/' +
        encodeURIComponent(d.dataset.ext) + '/pin' + q,
      { pin: pin === '' ? null : pin });
      say(pin === '' ? 'PIN cleared.' : 'PIN set.');
    } catch (e) {
      say(e.message, true);
    }
  }

  // ---- a line's rules -------------------------------------------
  function lineQuery(d) {
    return d.dataset.partition && d.dataset.partition !== 'default'
      ? '?partition=' + encodeURIComponent(d.dataset.partition) : '';
  }

  function linePath(d, what) {
    return '/api/v1/lines/' + encodeURIComponent(d.dataset.ext) + '/' +
      what + lineQuery(d);
  }

  function rulesDialog(l) {
    const d = $('rules-dialog');
    const b = l.budget || {};
    $('rules-ext').textContent = l.ext;
    $('rules-class').value = String(l.class || 0);
    $('rules-calls').value = b.calls || 0;
    $('rules-period').value = b.period === 'day' ? 'day' : 'month';
    $('rules-minutes').value = b.minutes || 0;
    $('rules-used').textContent = 'Used: ' + (b.used_calls || 0) +
      ' calls, ' + Math.floor((b.used_seconds || 0) / 60) + ' minutes' +
      (b.spent ? ' (spent: the line is locked)' : '');
    const open = l.afterhours_until * 1000 > Date.now();
    $('rules-ah').textContent = open ? 'Open after hours until ' +
      when(l.afterhours_until) + '.' : 'No after-hours override.';
    $('rules-ah-clear').disabled = !open;
    d.dataset.ext = l.ext;
    d.dataset.partition = l.partition;
    d.dataset.budget = JSON.stringify([b.calls || 0, b.period || 'month',
      b.minutes || 0]);
    d.showModal();
    $('rules-class').focus();
  }

  async function rulesSubmit(ev) {
    ev.preventDefault();
    const d = $('rules-dialog');
    const budget = [Number($('rules-calls').value), $('rules-period').value,
      Number($('rules-minutes').value)];
    try {
      let n = await api('PUT', linePath(d, 'class'),
        { class: Number($('rules-class').value) });
      if (JSON.stringify(budget) !== d.dataset.budget) {
        n = await api('PUT', linePath(d, 'budget'),
          { calls: budget[0], period: budget[1], minutes: budget[2] });
      }
      d.close();
      updateLine(n);
      say('Rules of line ' + n.ext + ' saved.');
    } catch (e) {
      say(e.message, true);
    }
  }

  function rulesAction(method, what, done) {
    return async () => {
      const d = $('rules-dialog');
      try {
        const n = await api(method, linePath(d, what));
        d.close();
        updateLine(n);
        say(done + ' (line ' + n.ext + ').');
      } catch (e) {
        say(e.message, true);
      }
    };
  }

  // ---- settings -----------------------------------------------------
  // Every named control of the settings form is the setting of its name.
  function settingFields() {
    return Array.from($('settings-form').elements).filter((e) => e.name);
  }

  async function loadList(name, textarea) {
    const j = await api('GET', '/api/v1/lists/' + name);
    $(textarea).value = j.patterns.join('\n');
  }

  async function loadSettings() {
    const s = await api('GET', '/api/v1/settings');
    for (const f of settingFields()) {
      const v = s[f.name];
      if (f.type === 'radio') f.checked = f.value === v;
      else if (f.type === 'checkbox') f.checked = !!v;
      else f.value = v === undefined ? '' : v;
    }
    $('fc-ah').textContent = s.feature_afterhours;
    $('fc-auth').textContent = s.feature_authcode;
    await loadList('emergency', 'emergency-list');
    await loadList('allow', 'allow-list');
    await loadList('block', 'block-list');
    await loadList('afterhours', 'ah-list');
    await loadList('class' + $('class-pick').value, 'class-list');
    await loadAuthcodes();
  }

  // All settings in one PUT: the server applies all of them or none.
  async function saveSettings(ev) {
    ev.preventDefault();
    const body = {};
    for (const f of settingFields()) {
      if (f.type === 'radio') {
        if (f.checked) body[f.name] = f.value;
      } else if (f.type === 'checkbox') {
        body[f.name] = f.checked;
      } else if (f.type === 'number') {
        body[f.name] = Number(f.value);
      } else {
        body[f.name] = f.value.trim();
      }
    }
    try {
      await api('PUT', '/api/v1/settings', body);
      say('Settings saved.');
    } catch (e) {
      say(e.message, true);
    }
  }

  // ---- authorization codes --------------------------------------------
  function authcodeRow(a) {
    const tr = el('tr');
    tr.appendChild(el('td', a.name));
    tr.appendChild(el('td', a.class ? 'class ' + a.class : 'every number'));
    tr.appendChild(el('td', when(a.created)));
    tr.appendChild(el('td', a.created_by));
    const td = el('td', null, 'actions');
    const b = el('button', 'Delete', 'plain');
    b.type = 'button';
    b.setAttribute('aria-label', 'Delete authorization code ' + a.name);
    b.addEventListener('click', async () => {
      if (!window.confirm('Delete authorization code ' + a.name + '?')) {
        return;
      }
      try {
        await api('DELETE', '/api/v1/authcodes/' +
          encodeURIComponent(a.name));
        say('Authorization code ' + a.name + ' deleted.');
        await loadAuthcodes();
      } catch (e) {
        say(e.message, true);
      }
    });
    td.appendChild(b);
    tr.appendChild(td);
    return tr;
  }

  async function loadAuthcodes() {
    const j = await api('GET', '/api/v1/authcodes');
    $('authcodes-table').tBodies[0].replaceChildren(...(j.items.length
      ? j.items.map(authcodeRow)
      : [emptyRow('No authorization codes.', 5)]));
  }

  async function addAuthcode(ev) {
    ev.preventDefault();
    const code = $('ac-code');
    const body = { name: $('ac-name').value.trim(), code: code.value,
      class: Number($('ac-class').value) };
    code.value = '';
    try {
      const a = await api('POST', '/api/v1/authcodes', body);
      $('ac-name').value = '';
      say('Authorization code ' + a.name + ' added.');
      await loadAuthcodes();
    } catch (e) {
      say(e.message, true);
    }
  }

  function saveList(path, textarea) {
    return async (ev) => {
      ev.preventDefault();
      const patterns = $(textarea).value.split('\n').map((s) => s.trim())
        .filter((s) => s.length);
      try {
        await api('PUT', path, { patterns });
        say('List saved (' + patterns.length + ' patterns).');
      } catch (e) {
        say(e.message, true);
      }
    };
  }

  // ---- audit --------------------------------------------------------
  function auditRow(a) {
    const tr = el('tr');
    tr.appendChild(el('td', a.seq));
    tr.appendChild(el('td', when(a.time)));
    tr.appendChild(el('td', a.actor));
    tr.appendChild(el('td', a.source));
    tr.appendChild(el('td', a.action));
    tr.appendChild(el('td', a.subject));
    let detail = '';
    if (a.old || a.new) detail = (a.old || '') + ' \u2192 ' + (a.new || '');
    tr.appendChild(el('td', detail));
    return tr;
  }

  async function loadAudit() {
    let url = '/api/v1/audit?limit=50';
    if (st.audit.before) url += '&before=' + st.audit.before;
    const j = await api('GET', url);
    $('audit-table').tBodies[0].replaceChildren(...j.items.map(auditRow));
    st.audit.next = j.next_before;
    $('audit-older').disabled = !j.next_before;
    $('audit-newer').disabled = !st.audit.stack.length;
  }

  // ---- calls --------------------------------------------------------
  function cdrRow(c) {
    const tr = el('tr');
    tr.appendChild(el('td', when(Math.floor(c.start_ms / 1000))));
    tr.appendChild(el('td', c.caller));
    tr.appendChild(el('td', c.callee));
    tr.appendChild(el('td', c.disposition + (c.reason ? ' (' + c.reason +
      ')' : '')));
    tr.appendChild(el('td', c.code));
    tr.appendChild(el('td', c.duration_s + ' s'));
    return tr;
  }

  function activeRow(c) {
    const tr = el('tr');
    tr.appendChild(el('td', c.from));
    tr.appendChild(el('td', c.to));
    tr.appendChild(el('td', c.direction));
    tr.appendChild(el('td', c.state));
    tr.appendChild(el('td', when(c.since)));
    return tr;
  }

  // Live calls: the server's list when it has one, else the calls this
  // page saw start on the event stream and not end yet.
  function emptyRow(text, cols) {
    const tr = el('tr');
    const td = el('td', text, 'hint');
    td.colSpan = cols;
    tr.appendChild(td);
    return tr;
  }

  function liveRows(items) {
    if (!items.length) {
      items = Array.from(st.live.values());
    }
    $('active-table').tBodies[0].replaceChildren(...(items.length
      ? items.map(activeRow) : [emptyRow('No calls in progress.', 5)]));
  }

  function trackCall(c) {
    if (c.event === 'start' || c.event === 'answer') {
      st.live.set(c.call, {
        from: c.caller, to: c.callee, direction: c.direction,
        state: c.event === 'answer' ? 'answered' : 'ringing',
        since: Math.floor(c.start_ms / 1000)
      });
    } else if (c.event === 'end') {
      st.live.delete(c.call);
    }
    if (!$('page-calls').hidden) liveRows([]);
  }

  async function loadCalls() {
    const a = await api('GET', '/api/v1/calls/active');
    liveRows(a.items);
    const j = await api('GET', '/api/v1/calls?limit=50');
    $('cdr-table').tBodies[0].replaceChildren(...(j.items.length
      ? j.items.map(cdrRow) : [emptyRow('No calls yet.', 6)]));
  }

  // ---- system -------------------------------------------------------
  function dl(pairs) {
    const d = $('sys');
    d.replaceChildren();
    for (const [k, v] of pairs) {
      d.appendChild(el('dt', k));
      d.appendChild(el('dd', v));
    }
  }

  function uptime(s) {
    const d = Math.floor(s / 86400);
    const h = Math.floor(s % 86400 / 3600);
    const m = Math.floor(s % 3600 / 60);
    return (d ? d + 'd ' : '') + h + 'h ' + m + 'm';
  }

  async function loadSystem() {
    const s = await api('GET', '/api/v1/system');
    const now = Date.now();
    let cps = '';
    if (st.lastCalls !== null && now > st.lastCallsAt) {
      cps = ((s.calls_total - st.lastCalls) * 1000 /
        (now - st.lastCallsAt)).toFixed(2);
    }
    st.lastCalls = s.calls_total;
    st.lastCallsAt = now;
    dl([['Version', s.version], ['Uptime', uptime(s.uptime_s)],
      ['Registrations', s.registrations], ['Active calls', s.active_calls],
      ['Calls per second', cps || 'measuring...'],
      ['Calls since start', s.calls_total], ['Lines', s.lines],
      ['Storage used', Math.round(s.storage_used_bytes / 1024) + ' KiB of ' +
        Math.round(s.storage_map_bytes / 1048576) + ' MiB'],
      ['Console connections', s.http_connections]]);
    const r = await api('GET', '/api/v1/registrations');
    $('reg-table').tBodies[0].replaceChildren(...r.items.map((x) => {
      const tr = el('tr');
      tr.appendChild(el('td', x.aor));
      tr.appendChild(el('td', x.contact));
      tr.appendChild(el('td', x.source));
      tr.appendChild(el('td', x.expires));
      return tr;
    }));
    await loadBans();
    await loadPins();
  }

  // ---- banned addresses (the guard) ----------------------------------
  // A path segment for an address or device id: the server takes no
  // escapes in parameters, and IPv6 addresses and URNs hold colons.
  function pathPart(s) {
    return encodeURIComponent(s).replace(/%3A/gi, ':');
  }

  function banRow(b) {
    const tr = el('tr');
    tr.appendChild(el('td', b.ip));
    tr.appendChild(el('td', b.until === null ? 'lifted by hand'
      : when(b.until)));
    tr.appendChild(el('td', String(b.strikes)));
    tr.appendChild(el('td', b.actor));
    tr.appendChild(el('td', b.reason));
    const td = el('td', null, 'actions');
    const u = el('button', 'Unban', 'plain');
    u.type = 'button';
    u.setAttribute('aria-label', 'Unban ' + b.ip);
    u.addEventListener('click', async () => {
      try {
        await api('DELETE', '/api/v1/bans/' + pathPart(b.ip));
        say(b.ip + ' unbanned.');
        await loadBans();
      } catch (e) {
        say(e.message, true);
      }
    });
    td.appendChild(u);
    tr.appendChild(td);
    return tr;
  }

  async function loadBans() {
    let j;
    try {
      j = await api('GET', '/api/v1/bans');
    } catch (e) {
      $('bans-table').tBodies[0].replaceChildren(
        emptyRow('IP bans are not available: ' + e.message, 6));
      return;
    }
    $('bans-table').tBodies[0].replaceChildren(...(j.bans.length
      ? j.bans.map(banRow) : [emptyRow('No address is banned.', 6)]));
  }

  // ---- device pins (device-to-IP binding) -----------------------------
  function pinRow(p) {
    const tr = el('tr');
    tr.appendChild(el('td', p.id));
    tr.appendChild(el('td', p.allowed));
    tr.appendChild(el('td', p.locked
      ? 'locked ' + when(p.locked_at) + ' (seen at ' + p.seen + ')'
      : 'ok'));
    tr.appendChild(el('td', p.by));
    const td = el('td', null, 'actions');
    if (p.locked) {
      const u = el('button', 'Unlock', 'plain');
      u.type = 'button';
      u.setAttribute('aria-label', 'Unlock device ' + p.id);
      u.addEventListener('click', async () => {
        try {
          await api('POST', '/api/v1/devices/pins/' + pathPart(p.id) +
            '/unlock');
          say('Device ' + p.id + ' unlocked.');
          await loadPins();
        } catch (e) {
          say(e.message, true);
        }
      });
      td.appendChild(u);
    }
    tr.appendChild(td);
    return tr;
  }

  async function loadPins() {
    let j;
    try {
      j = await api('GET', '/api/v1/devices/pins');
    } catch (e) {
      $('pins-table').tBodies[0].replaceChildren(
        emptyRow('Device pins are not available: ' + e.message, 5));
      return;
    }
    $('pins-table').tBodies[0].replaceChildren(...(j.items.length
      ? j.items.map(pinRow) : [emptyRow('No device is pinned.', 5)]));
  }

  async function addBan(ev) {
    ev.preventDefault();
    const body = { ip: $('ban-ip').value.trim(),
      duration: Number($('ban-secs').value) };
    try {
      const b = await api('POST', '/api/v1/bans', body);
      $('ban-ip').value = '';
      say(b.ip + ' banned.');
      await loadBans();
    } catch (e) {
      say(e.message, true);
    }
  }

  // ---- live events ---------------------------------------------------
  function feed(text) {
    const f = $('feed');
    f.insertBefore(el('li', text), f.firstChild);
    while (f.children.length > 100) f.removeChild(f.lastChild);
  }

  function startEvents() {
    if (st.es) return;
    st.es = new EventSource('/api/v1/events');
    st.es.onopen = () => { $('live').hidden = false; };
    st.es.onerror = () => { $('live').hidden = true; };
    st.es.addEventListener('line', (ev) => {
      const l = JSON.parse(ev.data);
      updateLine(l);
      feed(new Date().toLocaleTimeString() + ' line ' + l.ext + ' ' +
        lineState(l));
    });
    st.es.addEventListener('audit', (ev) => {
      const a = JSON.parse(ev.data);
      if (!$('page-audit').hidden && !st.audit.before) {
        const tb = $('audit-table').tBodies[0];
        tb.insertBefore(auditRow(a), tb.firstChild);
      }
    });
    st.es.addEventListener('call', (ev) => {
      const c = JSON.parse(ev.data);
      trackCall(c);
      feed(new Date().toLocaleTimeString() + ' call ' + c.event + ' ' +
        c.caller + ' \u2192 ' + c.callee +
        (c.disposition ? ' (' + c.disposition + ')' : ''));
      if (c.event === 'end' && !$('page-calls').hidden) {
        loadCalls().catch(() => {});
      }
    });
  }

  // ---- wiring --------------------------------------------------------
  function init() {
    $('login-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const pass = $('login-pass');
      try {
        const j = await api('POST', '/api/v1/login',
          { user: $('login-user').value, password: pass.value });
        pass.value = '';
        loggedIn(j);
        route();
      } catch (e) {
        pass.value = '';
        say(e.message, true);
      }
    });
    $('logout').addEventListener('click', async () => {
      try { await api('POST', '/api/v1/logout'); } catch (e) { /* gone */ }
      loggedOut();
    });
    $('lines-search').addEventListener('submit', (ev) => {
      ev.preventDefault();
      st.lines.after = [];
      st.lines.cursor = null;
      loadLines().catch((e) => say(e.message, true));
    });
    $('lines-next').addEventListener('click', () => {
      st.lines.after.push(st.lines.cursor);
      st.lines.cursor = st.lines.next;
      loadLines().catch((e) => say(e.message, true));
    });
    $('lines-prev').addEventListener('click', () => {
      st.lines.cursor = st.lines.after.pop() || null;
      loadLines().catch((e) => say(e.message, true));
    });
    $('pin-form').addEventListener('submit', pinSubmit);
    $('pin-cancel').addEventListener('click', () => $('pin-dialog').close());
    $('settings-form').addEventListener('submit', saveSettings);
    $('emergency-form').addEventListener('submit',
      saveList('/api/v1/lists/emergency', 'emergency-list'));
    $('allowlist-form').addEventListener('submit',
      saveList('/api/v1/lists/allow', 'allow-list'));
    $('blocklist-form').addEventListener('submit',
      saveList('/api/v1/lists/block', 'block-list'));
    $('ahlist-form').addEventListener('submit',
      saveList('/api/v1/lists/afterhours', 'ah-list'));
    $('classlist-form').addEventListener('submit', (ev) =>
      saveList('/api/v1/lists/class' + $('class-pick').value,
        'class-list')(ev));
    $('class-pick').addEventListener('change', () =>
      loadList('class' + $('class-pick').value, 'class-list')
        .catch((e) => say(e.message, true)));
    $('authcode-form').addEventListener('submit', addAuthcode);
    $('ban-form').addEventListener('submit', addBan);
    $('rules-form').addEventListener('submit', rulesSubmit);
    $('rules-cancel').addEventListener('click', () =>
      $('rules-dialog').close());
    $('rules-reset').addEventListener('click',
      rulesAction('POST', 'budget/reset', 'Budget reset'));
    $('rules-ah-clear').addEventListener('click',
      rulesAction('DELETE', 'afterhours', 'After-hours override ended'));
    $('audit-older').addEventListener('click', () => {
      st.audit.stack.push(st.audit.before);
      st.audit.before = st.audit.next;
      loadAudit().catch((e) => say(e.message, true));
    });
    $('audit-newer').addEventListener('click', () => {
      st.audit.before = st.audit.stack.pop() || 0;
      loadAudit().catch((e) => say(e.message, true));
    });
    window.addEventListener('hashchange', route);
    setInterval(() => {
      if (st.user && !$('page-system').hidden) loadSystem().catch(() => {});
    }, 5000);
    api('GET', '/api/v1/session').then((j) => {
      loggedIn(j);
      route();
    }).catch(() => loggedOut());
  }

  init();
})();
