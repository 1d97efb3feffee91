// app.js: xend's web page. The domain list comes from xend's events as
// Server-Sent Events (GET /events): the page never polls. Actions are
// POSTs carrying the session's CSRF token; the console is an xterm.js
// terminal over GET /console (out) and POST /console/input (in); the
// screen is noVNC over a WebSocket (GET /vnc) that xend relays to the
// domain's VNC display.
'use strict';

const $ = (sel) => document.querySelector(sel);
let session = { auth: 'none', user: null, csrf: null, control: false };
let events = null;          // the EventSource of the live list
let lastCpu = {};           // domain name -> [cpu_time, time]
let lastHost = null;        // [host_cpu_time, time]

// ---- requests ---------------------------------------------------------------

async function post(path, fields, body) {
  const headers = { 'X-CSRF-Token': session.csrf || '' };
  let data = body;
  if (fields) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    data = new URLSearchParams(fields).toString();
  }
  const r = await fetch(path, { method: 'POST', headers, body: data,
    credentials: 'same-origin' });
  let j = {};
  try { j = await r.json(); } catch (e) { j = { error: r.status + ' ' + r.statusText }; }
  if (!r.ok)
    throw new Error(j.error || (r.status + ' ' + r.statusText));
  return j;
}

function showError(msg) {
  const li = document.createElement('li');
  li.textContent = msg;
  const b = document.createElement('button');
  b.textContent = 'Dismiss';
  b.onclick = () => li.remove();
  li.appendChild(b);
  $('#errors').prepend(li);
}

// ---- the session ------------------------------------------------------------

async function loadSession() {
  const r = await fetch('/api/session', { credentials: 'same-origin' });
  session = await r.json();
  const needLogin = session.auth === 'password' && !session.user;
  $('#login').hidden = !needLogin;
  $('#app').hidden = needLogin;
  $('#readonly').hidden = session.auth !== 'none';
  $('#user').textContent = session.user ? session.user : '';
  $('#logout').hidden = !session.user;
  if (needLogin) {
    stopLive();
    $('#login-user').focus();
  } else
    startLive();
}

$('#login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('#login-error').textContent = '';
  try {
    await post('/api/login', { user: $('#login-user').value,
      password: $('#login-password').value });
    $('#login-password').value = '';
    await loadSession();
  } catch (e) {
    $('#login-error').textContent = e.message;
  }
});

$('#logout').addEventListener('click', async () => {
  try { await post('/api/logout', {}); } catch (e) { showError(e.message); }
  closeConsole();
  closeScreen();
  await loadSession();
});

// ---- the live list ----------------------------------------------------------

function stateName(d) {
  if (d.halted) return 'halted';
  const s = d.state || '';
  if (s.includes('c')) return 'crashed';
  if (s.includes('s')) return 'shutdown';
  if (s.includes('p')) return 'paused';
  return 'running';
}

function button(label, action, d, extra) {
  const b = document.createElement('button');
  b.textContent = label;
  b.dataset.action = action;
  b.disabled = !session.control;
  b.onclick = () => act(action, d.name, extra ? extra() : undefined);
  return b;
}

function numberBox(cls, value) {
  const i = document.createElement('input');
  i.type = 'number';
  i.min = '1';
  i.className = cls;
  i.value = value;
  i.disabled = !session.control;
  return i;
}

async function act(action, name, value) {
  const fields = { domain: name, action };
  if (value !== undefined) fields.value = value;
  try {
    await post('/api/action', fields);
  } catch (e) {
    showError(e.message);
  }
}

function actionsCell(d, state) {
  const td = document.createElement('td');
  td.className = 'actions';
  if (d.domid === 0) return td;
  if (state === 'halted') {
    td.append(button('Start', 'start', d));
    return td;
  }
  if (state === 'paused')
    td.append(button('Unpause', 'unpause', d));
  else
    td.append(button('Pause', 'pause', d));
  td.append(button('Shutdown', 'shutdown', d), button('Reboot', 'reboot', d),
    button('Destroy', 'destroy', d));
  const mem = numberBox('mem', d.target);
  td.append(mem, button('Set mem', 'mem-set', d, () => mem.value));
  const vc = numberBox('vcpus', d.vcpus);
  td.append(vc, button('Set vCPUs', 'vcpu-set', d, () => vc.value));
  const c = document.createElement('button');
  c.textContent = 'Console';
  c.dataset.action = 'console';
  c.disabled = !session.control;
  c.onclick = () => openConsole(d.name);
  td.append(c);
  if (d.vnc) {
    const v = document.createElement('button');
    v.textContent = 'Screen';
    v.dataset.action = 'screen';
    v.disabled = !session.control;
    v.onclick = () => openScreen(d.name);
    td.append(v);
  }
  return td;
}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function cpuPercent(d, now) {
  const prev = lastCpu[d.name];
  lastCpu[d.name] = [d.cpu_time, now];
  if (!prev || now <= prev[1]) return '';
  return (100 * (d.cpu_time - prev[0]) / (now - prev[1])).toFixed(1);
}

// A row is only rebuilt when what it shows changed, so that a number
// being typed into it survives the updates.
function renderState(st) {
  const tbody = $('#domains tbody');
  const seen = new Set();
  for (const d of st.domains) {
    const state = stateName(d);
    const pct = cpuPercent(d, st.time);
    const key = [state, d.domid, d.target, d.maxmem, d.vcpus, d.vnc,
      session.control].join('|');
    let tr = document.getElementById('dom-' + d.name);
    if (!tr || tr.dataset.key !== key) {
      const nt = document.createElement('tr');
      nt.id = 'dom-' + d.name;
      nt.dataset.key = key;
      nt.dataset.state = state;
      nt.append(cell(d.name, 'name'), cell(d.domid >= 0 ? d.domid : '', 'num'),
        cell(state, 'state state-' + state), cell(d.memory, 'num'),
        cell(d.maxmem, 'num'), cell(d.vcpus, 'num'), cell(pct, 'num cpu'),
        cell(d.cpu_time.toFixed(1), 'num cputime'), actionsCell(d, state));
      if (tr) tr.replaceWith(nt); else tbody.append(nt);
      tr = nt;
    } else {
      tr.querySelector('.cpu').textContent = pct;
      tr.querySelector('.cputime').textContent = d.cpu_time.toFixed(1);
    }
    seen.add(tr.id);
  }
  for (const tr of Array.from(tbody.children))
    if (!seen.has(tr.id)) tr.remove();
  $('#host-mem').value = (st.total_memory - st.free_memory) / st.total_memory;
  $('#host-mem-text').textContent = (st.total_memory - st.free_memory) +
    ' of ' + st.total_memory + ' MiB used';
  $('#host-cpus').textContent = st.nr_cpus;
  if (lastHost && st.time > lastHost[1])
    $('#host-cpu').textContent = (100 * (st.host_cpu_time - lastHost[0]) /
      (st.time - lastHost[1]) / st.nr_cpus).toFixed(1) + ' %';
  lastHost = [st.host_cpu_time, st.time];
  document.body.dataset.seq = st.seq;
}

function renderEvent(e) {
  const li = document.createElement('li');
  li.value = e.seq;
  li.textContent = new Date(e.time * 1000).toLocaleTimeString([], { hour12: false }) + '  ' +
    e.domain + '  ' + e.type + '  ' + e.message;
  const ol = $('#events');
  ol.prepend(li);
  while (ol.children.length > 50) ol.lastChild.remove();
}

function startLive() {
  if (events) return;
  events = new EventSource('/events');
  events.addEventListener('state', (m) => {
    $('#live').className = 'on';
    $('#live').textContent = 'live';
    renderState(JSON.parse(m.data));
  });
  events.addEventListener('event', (m) => renderEvent(JSON.parse(m.data)));
  events.onerror = () => {
    $('#live').className = 'off';
    $('#live').textContent = 'reconnecting';
  };
}

function stopLive() {
  if (events) events.close();
  events = null;
}

// ---- the console: xterm.js from Debian's node-xterm ---------------------------

// node-xterm's files are CommonJS modules; xend wraps each in a call to
// xendModule, and this loader fetches a module's requires before it runs.
const modules = {}, instances = {};
window.xendModule = (name, fn) => { modules[name] = fn; };

function resolve(from, req) {
  const parts = from.split('/');
  parts.pop();
  for (const p of req.split('/'))
    if (p === '..') parts.pop(); else if (p !== '.') parts.push(p);
  const n = parts.join('/');
  return n.endsWith('.js') ? n : n + '.js';
}

function loadScript(name) {
  return new Promise((ok, fail) => {
    const s = document.createElement('script');
    s.src = '/xterm/' + name;
    s.onload = ok;
    s.onerror = () => fail(new Error('cannot load xterm.js module ' + name));
    document.head.append(s);
  });
}

async function loadModule(name, seen) {
  if (seen.has(name)) return;
  seen.add(name);
  await loadScript(name);
  const src = modules[name].toString();
  const reqs = Array.from(src.matchAll(/require\(["']([^"']+)["']\)/g),
    (m) => resolve(name, m[1]));
  await Promise.all(reqs.map((r) => loadModule(r, seen)));
}

function requireModule(name) {
  if (instances[name]) return instances[name].exports;
  const module = { exports: {} };
  instances[name] = module;
  modules[name](module, module.exports, (r) => requireModule(resolve(name, r)));
  return module.exports;
}

let Terminal = null;
async function terminalClass() {
  if (!Terminal) {
    await loadModule('xterm.js', new Set());
    Terminal = requireModule('xterm.js');
  }
  return Terminal;
}

let con = null;   // { name, term, source }

function closeConsole() {
  if (!con) return;
  con.source.close();
  con.term.dispose();
  con = null;
  $('#console-panel').hidden = true;
}

function fromBase64(s) {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

async function openConsole(name) {
  closeConsole();
  let T;
  try {
    T = await terminalClass();
  } catch (e) {
    showError('console ' + name + ': ' + e.message);
    return;
  }
  $('#console-panel').hidden = false;
  $('#console-name').textContent = name;
  $('#console-status').textContent = 'connecting';
  $('#terminal').textContent = '';
  const term = new T({ cols: 100, rows: 30, rendererType: 'dom',
    convertEol: false, cursorBlink: true });
  term.open($('#terminal'));
  const decoder = new TextDecoder('utf-8');
  const source = new EventSource('/console?domain=' + encodeURIComponent(name));
  con = { name, term, source };
  window.xendConsole = con;
  source.addEventListener('out', (m) => {
    $('#console-status').textContent = 'attached';
    term.write(decoder.decode(fromBase64(m.data), { stream: true }));
  });
  source.addEventListener('end', (m) => {
    $('#console-status').textContent = m.data;
    source.close();
  });
  source.onopen = () => { $('#console-status').textContent = 'attached'; };
  source.onerror = () => {
    $('#console-status').textContent = 'disconnected';
    source.close();
  };
  // one POST at a time, in order; what is typed meanwhile goes next
  let typed = '', sending = false;
  const send = async () => {
    sending = true;
    while (typed && con && con.term === term) {
      const data = typed;
      typed = '';
      try {
        await post('/console/input?domain=' + encodeURIComponent(name), null,
          new TextEncoder().encode(data));
      } catch (e) {
        showError(e.message);
      }
    }
    sending = false;
  };
  term.on('data', (data) => {
    typed += data;
    if (!sending) send();
  });
  term.focus();
}

$('#console-close').addEventListener('click', closeConsole);

// ---- the screen: noVNC from Debian's novnc ------------------------------------

// xend upgrades GET /vnc?domain=D to a WebSocket for a logged-in session
// of this page (the cookie and the Origin; nothing in the URL is a
// secret) and relays it to the domain's VNC display, whose own password,
// if it has one, noVNC asks for here.
let screen = null;   // { name, rfb }

function closeScreen() {
  if (!screen) return;
  const s = screen;
  screen = null;
  s.rfb.disconnect();
  $('#screen-panel').hidden = true;
  $('#screen-password').hidden = true;
}

async function openScreen(name) {
  closeScreen();
  let RFB;
  try {
    RFB = (await import('/novnc/core/rfb.js')).default;
  } catch (e) {
    showError('screen ' + name + ': cannot load noVNC: ' + e.message);
    return;
  }
  $('#screen-panel').hidden = false;
  $('#screen-name').textContent = name;
  $('#screen-status').textContent = 'connecting';
  $('#screen').textContent = '';
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') +
    location.host + '/vnc?domain=' + encodeURIComponent(name);
  const rfb = new RFB($('#screen'), url, { wsProtocols: ['binary'] });
  const s = { name, rfb };
  screen = s;
  window.xendScreen = s;
  const status = (t) => { if (screen === s) $('#screen-status').textContent = t; };
  rfb.addEventListener('connect', () => status('connected'));
  rfb.addEventListener('disconnect', (e) => {
    // a refused password says so first (securityfailure): kept
    if (!s.refused)
      status(e.detail.clean ? 'disconnected' : 'disconnected: the ' +
        'display could not be reached, or the connection was refused');
  });
  rfb.addEventListener('securityfailure', (e) => {
    s.refused = true;
    status('refused by the display: ' + (e.detail.reason || 'wrong password'));
  });
  rfb.addEventListener('credentialsrequired', () => {
    status('the display asks for its password');
    $('#screen-password').hidden = false;
    $('#screen-password-input').focus();
  });
  rfb.addEventListener('desktopname', (e) => status('connected: ' + e.detail.name));
}

$('#screen-password').addEventListener('submit', (ev) => {
  ev.preventDefault();
  if (!screen) return;
  screen.rfb.sendCredentials({ password: $('#screen-password-input').value });
  $('#screen-password-input').value = '';
  $('#screen-password').hidden = true;
});
$('#screen-close').addEventListener('click', closeScreen);

loadSession().catch((e) => showError('cannot reach xend: ' + e.message));
