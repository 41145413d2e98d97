'use strict';
// Self-service: extension + PIN lock or unlock one's own line.
(function () {
  const form = document.getElementById('self-form');
  const msg = document.getElementById('self-msg');
  const site = document.getElementById('self-site');
  let action = 'lock';
  // Sites with [partitions]: the user picks hers, or types 201@domain,
  // or leaves it to the network she is on. Others see no picker.
  fetch('/self/partitions').then((r) => r.json()).then((j) => {
    (j.partitions || []).forEach((p) => {
      const o = document.createElement('option');
      o.value = p.name;
      o.textContent = p.domains.length ?
        p.name + ' (' + p.domains.join(', ') + ')' : p.name;
      site.appendChild(o);
    });
    if (site.options.length > 1) {
      document.getElementById('self-site-label').hidden = false;
      site.hidden = false;
    }
  }).catch(() => {});
  document.getElementById('self-lock').addEventListener('click', () => {
    action = 'lock';
  });
  document.getElementById('self-unlock').addEventListener('click', () => {
    action = 'unlock';
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const pin = document.getElementById('self-pin');
    const body = {
      ext: document.getElementById('self-ext').value.trim(),
      pin: pin.value
    };
    if (site.value)
      body.partition = site.value;
    pin.value = '';
    msg.className = '';
    msg.textContent = 'Working...';
    try {
      const r = await fetch('/self/' + action, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body)
      });
      const j = await r.json();
      if (!r.ok) {
        msg.className = 'error';
        msg.textContent = j.error ? j.error.message : 'Failed';
        return;
      }
      msg.textContent = 'Line ' + j.ext +
        (site.options.length > 1 ? ' (' + j.partition + ')' : '') +
        ' is now ' +
        (j.locked ? 'locked' : 'unlocked') + '.';
    } catch (e) {
      msg.className = 'error';
      msg.textContent = 'Network error';
    }
  });
})();
