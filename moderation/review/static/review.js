/* The review page: reads the queue from /v1/review/queue, records decisions with POST /v1/decisions.
   No framework and no build step. The API key (when the service has keys) stays in sessionStorage
   and goes out as a Bearer header; comment text is only ever inserted as text nodes. */
(function () {
  'use strict';

  var TEXT = {
    en: {
      title: 'Review queue', login_intro: 'Decisions are recorded under your name.', name: 'Your name',
      key: 'API key', start: 'Start reviewing', label: 'Label', site: 'Site', run: 'Run', all: 'all',
      signed_in: 'Reviewing as', logout: 'change', empty: 'Nothing left to review with these filters.',
      keys: 'Keys: K keep · H hide · 1 2 3 switch insult / masked / hostility (yes → no → not judged) · ' +
            'J or ↓ next · ↑ previous · U undo the last decision',
      progress: function (r, t) { return r + ' of ' + t + ' reviewed'; },
      keep: 'Keep', hide: 'Hide', yes: 'yes', no: 'no', unjudged: 'not judged',
      kept: 'Kept.', hidden: 'Hidden.', undone: 'Decision undone.', undo_hint: 'U to undo.',
      nothing_to_undo: 'Nothing to undo.', bad_key: 'This API key was refused.', need_key: 'This service needs an API key.',
      failed: 'Not recorded: ', retrying: 'Connection lost, retrying…', line: 'line', lines: 'lines', id: 'id',
      run_label: function (r) { return '#' + r.id + ' · ' + r.started.slice(0, 16).replace('T', ' ') + ' · ' + r.model_version; },
      scored_by: 'scored by model'
    },
    fr: {
      title: 'File de modération', login_intro: 'Les décisions sont enregistrées à votre nom.', name: 'Votre nom',
      key: 'Clé d’API', start: 'Commencer', label: 'Label', site: 'Site', run: 'Passe', all: 'tous',
      signed_in: 'Modération par', logout: 'changer', empty: 'Plus rien à examiner avec ces filtres.',
      keys: 'Touches : K garder · H masquer · 1 2 3 changent insult / masked / hostility (oui → non → non jugé) · ' +
            'J ou ↓ suivant · ↑ précédent · U annule la dernière décision',
      progress: function (r, t) { return r + ' sur ' + t + ' examinés'; },
      keep: 'Garder', hide: 'Masquer', yes: 'oui', no: 'non', unjudged: 'non jugé',
      kept: 'Gardé.', hidden: 'Masqué.', undone: 'Décision annulée.', undo_hint: 'U pour annuler.',
      nothing_to_undo: 'Rien à annuler.', bad_key: 'Cette clé d’API a été refusée.', need_key: 'Ce service demande une clé d’API.',
      failed: 'Non enregistré : ', retrying: 'Connexion perdue, nouvel essai…', line: 'ligne', lines: 'lignes', id: 'id',
      run_label: function (r) { return 'n° ' + r.id + ' · ' + r.started.slice(0, 16).replace('T', ' ') + ' · ' + r.model_version; },
      scored_by: 'scoré par le modèle'
    }
  };
  var LABELS = ['insult', 'masked', 'hostility'];
  var KEY_STORE = 'moderation.apiKey', NAME_STORE = 'moderation.moderator', LANG_STORE = 'moderation.lang';

  var params = new URLSearchParams(location.search);
  var asked = params.get('lang');
  if (asked) { try { localStorage.setItem(LANG_STORE, asked); } catch (e) { /* private mode */ } }
  var lang = (asked || localStorage.getItem(LANG_STORE) || navigator.language || 'en').slice(0, 2) === 'fr' ? 'fr' : 'en';
  var t = TEXT[lang];
  var root = document.documentElement;

  var state = {
    key: sessionStorage.getItem(KEY_STORE) || '', moderator: localStorage.getItem(NAME_STORE) || '',
    items: [], current: 0, history: [], progress: null, filters: { label: '', site: '', run: '' },
    busy: 0, chain: Promise.resolve(), needsKey: false, decided: {}, loading: null
  };

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function num(n) { return n.toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-US'); }
  function busy(d) { state.busy += d; root.dataset.busy = String(state.busy); }
  function say(msg, isError) { var s = $('status'); s.textContent = msg; s.classList.toggle('error', !!isError); }

  function newKey() {   // works outside secure contexts too, where crypto.randomUUID is missing
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  /* One call to the API; network failures are retried with the same Idempotency-Key, so a decision
     whose answer was lost is not recorded twice. Resolves to {status, body}. */
  function api(method, path, body, idemKey) {
    var headers = { 'Accept': 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (state.key) headers['Authorization'] = 'Bearer ' + state.key;
    if (idemKey) headers['Idempotency-Key'] = idemKey;
    var tries = 0;
    busy(1);
    function attempt() {
      return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) })
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (b) { return { status: r.status, body: b }; });
        }, function (err) {
          if (++tries > 4) throw err;
          say(t.retrying, true);
          return new Promise(function (ok) { setTimeout(ok, 300 * tries); }).then(attempt);
        });
    }
    return attempt().then(function (res) {
      busy(-1);
      if (res.status === 401) { showLogin(state.key ? t.bad_key : t.need_key); throw new Error('unauthorised'); }
      return res;
    }, function (err) { busy(-1); throw err; });
  }
  function detail(res) {
    var d = res.body && res.body.detail;
    if (Array.isArray(d)) return d.map(function (x) { return x.msg; }).join('; ');
    return d || ('HTTP ' + res.status);
  }

  // ------------------------------------------------------------------ login and filters

  function showLogin(message) {
    $('app').hidden = true;
    $('login').hidden = false;
    $('key-row').hidden = !state.needsKey && !message;
    $('moderator').value = state.moderator;
    $('login-error').textContent = message || '';
    root.dataset.ready = 'login';
    ($('moderator').value ? $('api-key') : $('moderator')).focus();
  }

  function start() {
    api('GET', 'v1/review/choices').then(function (res) {
      if (res.status !== 200) { say(detail(res), true); return; }
      state.needsKey = res.body.auth;
      if (!state.moderator) { showLogin(''); return; }
      fillFilters(res.body);
      $('login').hidden = true;
      $('app').hidden = false;
      $('who').textContent = state.moderator;
      reload();
    }, function () { /* login shown, or the network is down */ });
  }

  function fillFilters(choices) {
    function fill(select, values, label) {
      while (select.options.length > 1) select.remove(1);
      values.forEach(function (v) {
        var o = el('option', '', label ? label(v) : v);
        o.value = typeof v === 'object' ? String(v.id) : v;
        select.appendChild(o);
      });
    }
    fill($('f-label'), choices.labels);
    fill($('f-site'), choices.sites);
    fill($('f-run'), choices.runs, t.run_label);
  }

  // ------------------------------------------------------------------ the queue

  function queuePath() {
    var q = new URLSearchParams({ limit: '20' });
    ['label', 'site', 'run'].forEach(function (k) { if (state.filters[k]) q.set(k, state.filters[k]); });
    state.items.forEach(function (it) { q.append('exclude', String(it.comment_id)); });
    return 'v1/review/queue?' + q.toString();
  }

  function reload() {
    state.items = [];
    state.current = 0;
    return more();
  }

  /* Fetch more of the queue. Decisions do not wait for it (it runs beside them), so an answer may list a
     comment decided meanwhile: `decided` keeps those out. One refill at a time. */
  function more() {
    if (state.loading) return state.loading;
    state.loading = api('GET', queuePath()).then(function (res) {
      state.loading = null;
      if (res.status !== 200) { say(detail(res), true); return; }
      var known = {};
      state.items.forEach(function (it) { known[it.comment_id] = true; });
      res.body.items.forEach(function (it) {
        if (known[it.comment_id] || state.decided[it.comment_id]) return;
        it.verdict = {};
        LABELS.forEach(function (lab) { it.verdict[lab] = it.labels.indexOf(lab) >= 0 ? 'yes' : 'no'; });
        state.items.push(it);
      });
      state.progress = res.body.progress;
      render();
      root.dataset.ready = '1';
    }, function () { state.loading = null; });
    return state.loading;
  }

  function showProgress() {
    var p = state.progress;
    $('progress').textContent = p ? t.progress(num(p.reviewed), num(p.total)) : '';
  }

  function source(it) {
    var where = it.source;
    if (it.dom_path) where += ' · ' + it.dom_path;
    else if (it.line_first !== null) {
      where += ' · ' + (it.line_first === it.line_last ? t.line + ' ' + it.line_first
                                                      : t.lines + ' ' + it.line_first + '–' + it.line_last);
    }
    if (it.ext_id !== null && it.kind !== 'page') where += ' · ' + t.id + ' ' + it.ext_id;
    var who = [it.author, it.date].filter(Boolean).join(' · ');
    return where + (who ? ' · ' + who : '') + ' · ' + t.scored_by + ' ' + it.model_version;
  }

  /* The text with <mark> around evidence spans, built from text nodes only. */
  function highlighted(it) {
    var text = it.text, cover = [];
    Object.keys(it.evidence).forEach(function (lab) {
      it.evidence[lab].forEach(function (ev) {
        ev.spans.forEach(function (s) { if (s[1] > s[0]) cover.push([Math.max(0, s[0]), Math.min(text.length, s[1]), lab]); });
      });
    });
    var cuts = [0, text.length];
    cover.forEach(function (c) { cuts.push(c[0], c[1]); });
    cuts = cuts.filter(function (v, i, a) { return a.indexOf(v) === i; }).sort(function (a, b) { return a - b; });
    var p = el('p', 'text');
    p.lang = 'fr';
    for (var i = 0; i + 1 < cuts.length; i++) {
      var a = cuts[i], b = cuts[i + 1], labs = [];
      cover.forEach(function (c) { if (c[0] <= a && b <= c[1] && labs.indexOf(c[2]) < 0) labs.push(c[2]); });
      if (labs.length) {
        var m = el('mark', labs.join(' '), text.slice(a, b));
        m.title = labs.join(', ');
        p.appendChild(m);
      } else {
        p.appendChild(document.createTextNode(text.slice(a, b)));
      }
    }
    return p;
  }

  function verdictText(v) { return v === 'yes' ? t.yes : v === 'no' ? t.no : t.unjudged; }

  function card(it, index) {
    var art = el('article', 'item' + (index === state.current ? ' current' : ''));
    art.dataset.commentId = String(it.comment_id);
    var head = el('header');
    LABELS.forEach(function (lab) {
      var chip = el('span', 'chip ' + lab + (it.labels.indexOf(lab) >= 0 ? ' on' : ''), lab + ' ');
      chip.appendChild(el('b', '', it.scores[lab].toFixed(2)));
      chip.title = '≥ ' + it.thresholds[lab].toFixed(2);
      head.appendChild(chip);
    });
    art.appendChild(head);
    art.appendChild(el('div', 'src', source(it)));
    art.appendChild(highlighted(it));
    var verdicts = el('div', 'verdicts');
    LABELS.forEach(function (lab, k) {
      var b = el('button', 'verdict');
      b.type = 'button';
      b.dataset.label = lab;
      b.dataset.v = it.verdict[lab] || '';
      b.appendChild(el('kbd', '', String(k + 1)));
      b.appendChild(document.createTextNode(' ' + lab + ': ' + verdictText(it.verdict[lab])));
      b.addEventListener('click', function () { state.current = index; toggle(lab); });
      verdicts.appendChild(b);
    });
    art.appendChild(verdicts);
    var actions = el('div', 'actions');
    [['keep', 'K'], ['hide', 'H']].forEach(function (a) {
      var b = el('button', a[0]);
      b.type = 'button';
      b.dataset.action = a[0];
      b.appendChild(el('kbd', '', a[1]));
      b.appendChild(document.createTextNode(' ' + t[a[0]]));
      b.addEventListener('click', function () { state.current = index; decide(a[0]); });
      actions.appendChild(b);
    });
    art.appendChild(actions);
    return art;
  }

  function render() {
    var q = $('queue');
    while (q.firstChild) q.removeChild(q.firstChild);
    if (state.current >= state.items.length) state.current = Math.max(0, state.items.length - 1);
    state.items.forEach(function (it, i) { q.appendChild(card(it, i)); });
    $('empty').hidden = state.items.length > 0;
    showProgress();
    var cur = q.children[state.current];
    if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: 'nearest' });
  }

  // ------------------------------------------------------------------ actions

  function toggle(lab) {
    var it = state.items[state.current];
    if (!it) return;
    var v = it.verdict[lab];
    it.verdict[lab] = v === 'yes' ? 'no' : v === 'no' ? null : 'yes';
    render();
  }

  /* Actions run one after another (an undo needs the id of the decision before it); the card leaves
     the queue at once and comes back if the store refuses the decision. */
  function queueAction(fn) { state.chain = state.chain.then(fn, fn); return state.chain; }

  function decide(action) {
    var index = state.current, it = state.items[index];
    if (!it) return;
    state.items.splice(index, 1);
    state.decided[it.comment_id] = true;
    if (state.progress) state.progress.reviewed += 1;
    render();
    var body = { decisions: [{ comment_id: it.comment_id, action: action, moderator: state.moderator, labels: it.verdict }] };
    var key = newKey();
    queueAction(function () {
      return api('POST', 'v1/decisions', body, key).then(function (res) {
        if (res.status !== 201) { throw new Error(detail(res)); }
        state.history.push({ id: res.body.decisions[0].decision_id, item: it, index: index });
        say((action === 'hide' ? t.hidden : t.kept) + ' ' + t.undo_hint);
        if (state.items.length < 5) more();        // beside the next decisions, not before them
      }).catch(function (err) {
        delete state.decided[it.comment_id];
        state.items.splice(Math.min(index, state.items.length), 0, it);
        if (state.progress) state.progress.reviewed -= 1;
        state.current = Math.min(index, state.items.length - 1);
        render();
        if (err.message !== 'unauthorised') say(t.failed + err.message, true);
      });
    });
  }

  function undo() {
    queueAction(function () {
      var last = state.history.pop();
      if (!last) { say(t.nothing_to_undo); return; }
      return api('POST', 'v1/decisions/' + last.id + '/undo', { moderator: state.moderator }).then(function (res) {
        if (res.status !== 201) { state.history.push(last); throw new Error(detail(res)); }
        delete state.decided[last.item.comment_id];
        var at = Math.min(last.index, state.items.length);
        state.items = state.items.filter(function (x) { return x.comment_id !== last.item.comment_id; });
        state.items.splice(at, 0, last.item);
        state.current = at;
        if (state.progress) state.progress.reviewed -= 1;
        render();
        say(t.undone);
      }).catch(function (err) { if (err.message !== 'unauthorised') say(t.failed + err.message, true); });
    });
  }

  function move(d) {
    if (!state.items.length) return;
    state.current = Math.max(0, Math.min(state.items.length - 1, state.current + d));
    render();
    if (state.current >= state.items.length - 3) more();
  }

  document.addEventListener('keydown', function (e) {
    if ($('app').hidden || e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target && e.target.tagName) || '';
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
    var k = e.key.toLowerCase(), done = true;
    if (k === 'k') decide('keep');
    else if (k === 'h') decide('hide');
    else if (k === 'u') undo();
    else if (k === '1' || k === '2' || k === '3') toggle(LABELS[Number(k) - 1]);
    else if (k === 'j' || e.key === 'ArrowDown') move(1);
    else if (e.key === 'ArrowUp') move(-1);
    else done = false;
    if (done) e.preventDefault();
  });

  // ------------------------------------------------------------------ wiring

  document.addEventListener('DOMContentLoaded', function () {
    root.lang = lang;
    document.title = t.title;
    [].forEach.call(document.querySelectorAll('[data-t]'), function (node) {
      var v = t[node.dataset.t];
      if (typeof v === 'string') node.textContent = v;
    });
    $('login').addEventListener('submit', function (e) {
      e.preventDefault();
      state.moderator = $('moderator').value.trim();
      var key = $('api-key').value.trim();
      if (key) { state.key = key; sessionStorage.setItem(KEY_STORE, key); }
      try { localStorage.setItem(NAME_STORE, state.moderator); } catch (err) { /* private mode */ }
      if (state.moderator) start();
    });
    $('logout').addEventListener('click', function (e) {
      e.preventDefault();
      sessionStorage.removeItem(KEY_STORE);
      state.key = '';
      showLogin('');
    });
    ['label', 'site', 'run'].forEach(function (k) {
      $('f-' + k).addEventListener('change', function (e) {
        state.filters[k] = e.target.value;
        e.target.blur();
        reload();
      });
    });
    busy(0);
    start();
  });
})();
